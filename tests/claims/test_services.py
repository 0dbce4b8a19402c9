"""A claim from challenge to approval, and what the owner token may do."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any

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
    # The status page's address names the listing only; the ticket is in a cookie.
    assert response["Location"] == f"/submit?claim={slug}"
    return str(response["Location"])


def _ticket(client: Client, slug: str = SCOUT) -> str:
    return str(client.cookies[f"claim_ticket_{slug}"].value)


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

    signature = _b64(key.sign(claim.challenge.encode()).signature)
    response = client.post(location, {"claim": SCOUT, "signature": signature})
    assert (response.status_code, response["Location"]) == (302, location)
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
    page = client.post(location, {"claim": SCOUT, "show_token": "1"}).content.decode()
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
    # A new token needs the builder's key again, not only the ticket (issue 14).
    page = client.get(location).content.decode()
    assert "Show my new owner token" in page
    renewal = Claim.objects.get().token_challenge
    assert f'value="{renewal}"' in page
    signed = _b64(key.sign(renewal.encode()).signature)
    page = client.post(
        location, {"claim": SCOUT, "show_token": "1", "signature": signed}
    ).content.decode()
    renewed = re.search(r'id="owner-token" class="copy" type="text" readonly value="([^"]+)"', page)
    assert renewed is not None and renewed.group(1) != raw
    assert (
        client.post(location, {"claim": SCOUT, "show_token": "1", "signature": signed})
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
    response = client.post(location, {"claim": SCOUT, "signature": signature})
    assert response.status_code == 400
    assert "the signature does not match the challenge and your public key" in (
        response.content.decode()
    )
    response = client.post(location, {"claim": SCOUT, "signature": "bm90IGJhc2U2NA"})
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


def test_the_claim_ticket_is_never_in_an_address_a_page_or_a_log(
    seeds: list[str], caplog: Any
) -> None:
    """It lives in an HttpOnly, SameSite=Strict cookie scoped to /submit (issue 14)."""
    caplog.set_level(logging.DEBUG)
    client = Client()
    key = nacl.signing.SigningKey.generate()
    location = _start(client, key)
    cookie = client.cookies[f"claim_ticket_{SCOUT}"]
    ticket = cookie.value
    claim = Claim.objects.get()
    assert hashlib.sha256(ticket.encode()).hexdigest() == claim.secret_hash
    assert (cookie["path"], cookie["samesite"], cookie["httponly"], cookie["max-age"]) == (
        "/submit",
        "Strict",
        True,
        90 * 24 * 3600,
    )
    seen = [location]
    page = client.get(location)
    assert "Status: <strong>waiting for the signed challenge</strong>" in page.content.decode()
    seen.append(page.content.decode())
    signature = _b64(key.sign(claim.challenge.encode()).signature)
    signed = client.post(location, {"claim": SCOUT, "signature": signature})
    assert signed["Location"] == location
    seen += [signed["Location"], signed.content.decode(), client.get(location).content.decode()]
    _approve(claim)
    shown = client.post(location, {"claim": SCOUT, "show_token": "1"})
    assert shown.status_code == 200
    seen += [shown.content.decode(), caplog.text]
    assert [ticket in text for text in seen] == [False] * len(seen)

    # A ticket in an address is not read (an old status link): the page says where it goes.
    stranger = Client()
    old_link = stranger.get(f"/submit?claim={SCOUT}&ticket={ticket}")
    assert old_link.status_code == 400
    assert "A claim ticket is not read from a page address" in old_link.content.decode()
    assert "Status:" not in old_link.content.decode()

    # Another browser returns to the claim with the ticket in a form body.
    back = stranger.post(location, {"claim": SCOUT, "ticket": ticket, "resume": "1"})
    assert (back.status_code, back["Location"]) == (302, location)
    assert stranger.cookies[f"claim_ticket_{SCOUT}"].value == ticket
    assert "Status: <strong>Approved</strong>" in stranger.get(location).content.decode()
    wrong = Client().post(location, {"claim": SCOUT, "ticket": "forged", "resume": "1"})
    assert wrong.status_code == 404


def test_a_new_owner_token_needs_a_fresh_signature_not_only_the_ticket(seeds: list[str]) -> None:
    client = Client()
    key = nacl.signing.SigningKey.generate()
    location = _start(client, key)
    claim = Claim.objects.get()
    client.post(
        location, {"claim": SCOUT, "signature": _b64(key.sign(claim.challenge.encode()).signature)}
    )
    _approve(claim)
    # The first token after approval: the ticket suffices (the claim was just signed).
    first = client.post(location, {"claim": SCOUT, "show_token": "1"})
    assert first.content.decode().count('id="owner-token"') == 1
    token = OwnerToken.objects.get()
    staff = Client()
    staff.force_login(get_user_model().objects.get(username="staff"))
    staff.post("/admin/claims/ownertoken/", {"action": "revoke", "_selected_action": [token.pk]})

    page = client.get(location).content.decode()
    claim.refresh_from_db()
    renewal = claim.token_challenge
    assert renewal.startswith(f"trust-passport-owner-token:{SCOUT}:")
    assert f'value="{renewal}"' in page

    def ask(**body: str) -> Any:
        return client.post(location, {"claim": SCOUT, "show_token": "1", **body})

    only_ticket = ask()
    assert only_ticket.status_code == 400
    assert (
        "signature: a new owner token needs the challenge on this page signed with the key "
        "this claim was made with" in only_ticket.content.decode()
    )
    other = nacl.signing.SigningKey.generate()
    for signature, message in [
        (
            _b64(other.sign(renewal.encode()).signature),
            "the signature does not match the challenge and your public key",
        ),
        (  # the claim's own, older challenge: a signature is good for one challenge
            _b64(key.sign(claim.challenge.encode()).signature),
            "the signature does not match the challenge and your public key",
        ),
        ("bm90IGJhc2U2NA", "signature is not valid base64"),
    ]:
        refused = ask(signature=signature)
        assert refused.status_code == 400
        assert message in refused.content.decode()
        assert 'id="owner-token"' not in refused.content.decode()
    assert OwnerToken.objects.filter(revoked_at__isnull=True).count() == 0

    good = ask(signature=_b64(key.sign(renewal.encode()).signature))
    assert good.status_code == 200
    assert good.content.decode().count('id="owner-token"') == 1
    assert OwnerToken.objects.filter(revoked_at__isnull=True).count() == 1
    claim.refresh_from_db()
    assert claim.token_challenge == ""  # used up
