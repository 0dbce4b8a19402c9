"""A claim from challenge to approval, and what the owner token may do."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlparse

import nacl.signing
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from claims.models import Claim, OwnerToken
from passports.models import PassportVersion
from registry.models import Artifact
from registry.trust import UNVERIFIED_BUILDER
from tests.conftest import served

pytestmark = pytest.mark.django_db
SCOUT = "meta-llama-llama-4-scout"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _start(client: Client, key: nacl.signing.SigningKey, slug: str = SCOUT) -> str:
    response = client.post(
        f"/submit?claim={slug}",
        {"claim": slug, "public_key": _b64(bytes(key.verify_key)), "contact": "me@example.org"},
    )
    assert response.status_code == 302, response.content
    return str(response["Location"])


def _ticket(location: str) -> str:
    return parse_qs(urlparse(location).query)["ticket"][0]


def _approve(claim: Claim) -> None:
    staff = get_user_model().objects.create_superuser("staff", "s@example.org", "pw-long-enough")
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        "/admin/claims/claim/", {"action": "approve", "_selected_action": [claim.pk]}
    )
    assert response.status_code == 302


def test_claim_from_challenge_to_owner_token(seeds: list[str], api: APIClient) -> None:
    client = Client()
    key = nacl.signing.SigningKey.generate()
    location = _start(client, key)
    page = client.get(location).content.decode()
    claim = Claim.objects.get()
    assert claim.status == "challenged"
    assert f'value="{claim.challenge}"' in page
    assert claim.challenge.startswith(f"trust-passport-claim:{SCOUT}:")

    ticket = _ticket(location)
    signature = _b64(key.sign(claim.challenge.encode()).signature)
    response = client.post(location, {"ticket": ticket, "signature": signature})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "pending"
    assert (
        "Status: <strong>signed; waiting for staff approval</strong>"
        in client.get(location).content.decode()
    )
    before = PassportVersion.objects.filter(artifact__slug=SCOUT).count()
    assert (
        UNVERIFIED_BUILDER in served(api, SCOUT)["passport"]["unfragile"]["trust"]["failure_modes"]
    )

    _approve(claim)
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert claim.decided_by == "staff"
    artifact = Artifact.objects.select_related("trust").get(slug=SCOUT)
    assert artifact.verified is True
    assert UNVERIFIED_BUILDER not in artifact.trust.failure_modes
    document = served(api, SCOUT)
    assert document["passport"]["version"] == before + 1
    assert document["passport"]["unfragile"]["artifact"]["verified"] is True
    assert UNVERIFIED_BUILDER not in document["passport"]["unfragile"]["trust"]["failure_modes"]
    assert api.get("/api/v1/verify", {"slug": SCOUT}).json()["valid"] is True

    # Viewing the status page (a GET, as a link preview would) does not use up the token.
    assert "Show my owner token" in client.get(location).content.decode()
    assert OwnerToken.objects.count() == 0
    ticket = parse_qs(urlparse(location).query)["ticket"][0]
    page = client.post("/submit", {"ticket": ticket, "show_token": "1"}).content.decode()
    token = re.search(r'id="owner-token" class="copy" type="text" readonly value="([^"]+)"', page)
    assert token is not None
    raw = token.group(1)
    assert raw.startswith("tpo_")
    stored = OwnerToken.objects.get()
    assert stored.token_hash != raw and raw not in stored.token_hash
    assert "shown once already" in client.get(location).content.decode()
    detail = Client().get(f"/passports/{SCOUT}").content.decode()
    assert "verified builder" in detail
    assert UNVERIFIED_BUILDER not in detail

    # The owner token updates this passport and no other.
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    changed = served(api, SCOUT)
    changed["passport"]["unfragile"]["capabilities"][0]["description"] = "Updated by its builder."
    updated = owner.put("/api/v1/passport", changed, format="json")
    assert updated.status_code == 200, updated.content
    assert updated.json()["status"] == "updated"
    assert (
        Artifact.objects.get(slug=SCOUT).capabilities.get(position=0).description
        == "Updated by its builder."
    )
    other = served(api, "meta-llama-llama-4-maverick")
    refused = owner.put("/api/v1/passport", other, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "permission_denied",
        "message": f"this owner token may update {SCOUT!r} only",
    }
    assert owner.post("/api/v1/passport", changed, format="json").status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token tpo_not-a-real-token")
    assert forged.put("/api/v1/passport", changed, format="json").status_code == 401
    # A lost token: staff revoke it in the admin; it is refused at once, and the
    # claim page offers one new token, once.
    staff = Client()
    staff.force_login(get_user_model().objects.get(username="staff"))
    revoked = staff.post(
        "/admin/claims/ownertoken/", {"action": "revoke", "_selected_action": [stored.pk]}
    )
    assert revoked.status_code == 302
    assert owner.put("/api/v1/passport", changed, format="json").status_code == 401
    assert "Show my owner token" in client.get(location).content.decode()
    page = client.post("/submit", {"ticket": ticket, "show_token": "1"}).content.decode()
    renewed = re.search(r'id="owner-token" class="copy" type="text" readonly value="([^"]+)"', page)
    assert renewed is not None and renewed.group(1) != raw
    assert (
        client.post("/submit", {"ticket": ticket, "show_token": "1"})
        .content.decode()
        .count('id="owner-token"')
        == 0
    )
    assert [t.revoked_at is None for t in OwnerToken.objects.order_by("pk")] == [False, True]
    new_owner = APIClient()
    new_owner.credentials(HTTP_AUTHORIZATION=f"Token {renewed.group(1)}")
    assert new_owner.put("/api/v1/passport", changed, format="json").json()["status"] == "unchanged"
    # Revoking twice changes nothing.
    again = staff.post(
        "/admin/claims/ownertoken/",
        {"action": "revoke", "_selected_action": [stored.pk]},
        follow=True,
    )
    assert "was revoked already" in again.content.decode()

    # A re-import of the seed (verified: false) does not undo the approved claim.
    from registry.importers.passports import passports_import_paths
    from tests.conftest import SEED_DIR

    passports_import_paths(paths=[str(SEED_DIR)])
    assert Artifact.objects.get(slug=SCOUT).verified is True


def test_claim_with_a_wrong_signature_is_refused(seeds: list[str]) -> None:
    client = Client()
    key = nacl.signing.SigningKey.generate()
    location = _start(client, key)
    claim = Claim.objects.get()
    other = nacl.signing.SigningKey.generate()
    signature = _b64(other.sign(claim.challenge.encode()).signature)
    response = client.post(location, {"ticket": _ticket(location), "signature": signature})
    assert response.status_code == 400
    assert "the signature does not match the challenge and your public key" in (
        response.content.decode()
    )
    response = client.post(location, {"ticket": _ticket(location), "signature": "bm90IGJhc2U2NA"})
    assert response.status_code == 400
    assert "signature is not valid base64" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "challenged"


@pytest.mark.parametrize(
    ("public_key", "message"),
    [
        ("not base64!", "public key is not valid base64"),
        (_b64(b"x" * 31), "public key is 31 bytes; expected 32"),
    ],
)
def test_claim_needs_a_real_public_key(seeds: list[str], public_key: str, message: str) -> None:
    response = Client().post(f"/submit?claim={SCOUT}", {"claim": SCOUT, "public_key": public_key})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Claim.objects.exists()
