"""Trust is the registry's: what a builder or staff states about it through the API is ignored."""

from __future__ import annotations

import base64
import copy
from typing import Any

import nacl.signing
import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.services import claim_approve, claim_sign, claim_start, owner_token_issue
from passports.models import PassportVersion
from registry.trust import COMPONENTS
from tests.conftest import served

pytestmark = pytest.mark.django_db
LFM = "liquid-lfm-2-24b-a2b"
SCOUT = "meta-llama-llama-4-scout"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _owner(slug: str) -> APIClient:
    """A client holding the owner token of an approved claim on `slug`."""
    key = nacl.signing.SigningKey.generate()
    started = claim_start(slug=slug, public_key=_b64(bytes(key.verify_key)))
    signature = key.sign(started.claim.challenge.encode("utf-8")).signature
    claim = claim_sign(claim=started.claim, signature=_b64(signature))
    claim = claim_approve(claim=claim, by="staff")
    raw = owner_token_issue(claim=claim)
    assert raw is not None
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return owner


def _staff() -> APIClient:
    user = get_user_model().objects.create_user("staff", password="pw-long-enough", is_staff=True)
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return staff


def _staff_again() -> APIClient:
    staff = APIClient()
    token = Token.objects.get(user__username="staff")
    staff.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return staff


def _attack(document: dict[str, Any]) -> dict[str, Any]:
    """The served document with every trust figure a builder would like to have."""
    forged = copy.deepcopy(document)
    unfragile = forged["passport"]["unfragile"]
    trust = unfragile["trust"]
    trust["score"] = 100
    for name in COMPONENTS:
        trust["rank_breakdown"][name] = 1
    trust["observed_outcomes"]["matches"] = 100000
    trust["failure_modes"] = []
    unfragile["capabilities"][0]["matches"] = 5000
    unfragile["capabilities"][0]["success_rate"] = 1
    return forged


IGNORED = [
    (
        "trust.score",
        "trust.score is computed by the registry from evidence; the stated 100 was ignored",
    ),
    (
        "trust.failure_modes",
        "trust.failure_modes is computed by the registry from evidence; "
        "the stated values were ignored",
    ),
    (
        "trust.rank_breakdown",
        "trust.rank_breakdown is computed by the registry from evidence; "
        "the stated values were ignored",
    ),
    (
        "trust.observed_outcomes",
        "trust.observed_outcomes is computed by the registry from evidence; "
        "the stated values were ignored",
    ),
    (
        "capabilities[0].matches",
        "capabilities[0].matches is measured by the registry; the stated 5000 was ignored",
    ),
    (
        "capabilities[0].success_rate",
        "capabilities[0].success_rate is measured by the registry; the stated 1 was ignored",
    ),
]


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_stated_trust_through_the_api_changes_nothing(
    seeds: list[str], api: APIClient, who: str
) -> None:
    client = _owner(LFM) if who == "owner" else _staff()
    before = served(api, LFM)
    versions = PassportVersion.objects.filter(artifact__slug=LFM).count()

    response = client.put("/api/v1/passport", _attack(before), format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "unchanged"
    assert [(w["field"], w["message"]) for w in answer["warnings"]] == IGNORED
    after = served(api, LFM)
    assert after["passport"]["unfragile"]["trust"] == before["passport"]["unfragile"]["trust"]
    assert after["passport"]["unfragile"]["capabilities"][0]["matches"] == 0
    assert after["passport"]["version"] == before["passport"]["version"]
    assert PassportVersion.objects.filter(artifact__slug=LFM).count() == versions


def test_a_changed_description_is_taken_and_the_stated_trust_still_is_not(
    seeds: list[str], api: APIClient
) -> None:
    owner = _owner(LFM)
    before = served(api, LFM)
    forged = _attack(before)
    forged["passport"]["unfragile"]["capabilities"][1]["description"] = "Now described better."
    response = owner.put("/api/v1/passport", forged, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "updated")
    after = served(api, LFM)["passport"]
    assert after["unfragile"]["capabilities"][1]["description"] == "Now described better."
    trust, was = after["unfragile"]["trust"], before["passport"]["unfragile"]["trust"]
    assert (trust["score"], trust["observed_outcomes"]["matches"]) == (
        was["score"],
        was["observed_outcomes"]["matches"],
    )
    assert trust["rank_breakdown"] == was["rank_breakdown"]
    assert trust["failure_modes"] == was["failure_modes"]


def test_a_new_passport_from_staff_gets_the_registrys_trust(api: APIClient) -> None:
    document = {
        "artifact": {"slug": "tiny-model", "name": "Tiny", "verified": True},
        "capabilities": [{"name": "chat", "limitations": ["short context"], "matches": 9}],
        "trust": {"score": 99, "verified": True, "failure_modes": []},
    }
    response = _staff().post("/api/v1/passport", document, format="json")
    assert response.status_code == 201, response.content
    assert [w["field"] for w in response.json()["warnings"]] == [
        "trust.score",
        "trust.verified",
        "trust.failure_modes",
        "capabilities[0].matches",
        "artifact.verified",
    ]
    trust = served(api, "tiny-model")["passport"]["unfragile"]["trust"]
    # Exactly the trust of the same passport stating nothing about trust.
    plain = {
        "artifact": {"slug": "tiny-plain", "name": "Tiny"},
        "capabilities": [{"name": "chat", "limitations": ["short context"]}],
    }
    assert _staff_again().post("/api/v1/passport", plain, format="json").status_code == 201
    assert trust == served(api, "tiny-plain")["passport"]["unfragile"]["trust"]
    assert (trust["verified"], trust["observed_outcomes"]["matches"]) == (False, 0)
    assert trust["failure_modes"] == [
        "short context",
        "builder identity is not verified yet",
        "no observed match outcomes yet",
    ]
