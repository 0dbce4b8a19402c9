"""POST /api/v1/validate answers `valid: false` for every document PUT /api/v1/passport
refuses, naming the same field; both run registry.services.passport_check (issue 14).

Before, validate skipped the parser's refusals (a 400 instead of an answer), numbers a
signed document cannot hold (PUT answered 500 when signing, and on PostgreSQL for a float
past 2**53, which jsonb hands back as an integer) and ids that belong to another artifact.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from passports.models import PassportVersion
from registry.models import Artifact, Capability
from tests.conftest import served

pytestmark = pytest.mark.django_db
MAVERICK = "meta-llama-llama-4-maverick"
LFM = "liquid-lfm-2-24b-a2b"
RAW = "@@raw@@"  # a string replaced by raw JSON text (numbers json.dumps cannot write)

Mutation = Callable[[dict[str, Any], dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    """Set a member of the unfragile object by a dotted path ("capabilities.0.intents")."""

    def mutate(document: dict[str, Any], other: dict[str, Any]) -> Any:
        target = document["passport"]["unfragile"]
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        resolved = value(other["passport"]["unfragile"]) if callable(value) else value
        if isinstance(target, list):
            target[int(last)] = resolved
        else:
            target[last] = resolved
        return document

    return mutate


def _body(text: str) -> Mutation:
    return lambda document, other: text


BAD_DOCUMENTS: list[tuple[str, Mutation, str, int]] = [
    # (case, how the document is spoiled, the field both name, PUT's status)
    ("nul-in-name", _set("artifact.name", "Llama\x00"), "passport.unfragile.artifact.name", 400),
    (
        "surrogate-in-intent",
        _set("capabilities.0.intents", ["read \ud800"]),
        "passport.unfragile.capabilities[0].intents[0]",
        400,
    ),
    ("nul-in-a-key", _set("x", {"a\x00": 1}), "passport.unfragile.x", 400),
    ("500-digit-int", _set("x", RAW + "9" * 500), "passport.unfragile.x", 400),
    ("float-out-of-range", _set("artifact.f", RAW + "1e400"), "passport.unfragile.artifact.f", 400),
    ("int-past-2-53", _set("x", 2**60), "unfragile.x", 400),
    (
        "negative-int-past-2-53",
        _set("capabilities.0.n", -(10**30)),
        "unfragile.capabilities[0].n",
        400,
    ),
    ("float-past-2-53", _set("artifact.f", 1e20), "unfragile.artifact.f", 400),
    ("float-1e308", _set("artifact.f", 1e308), "unfragile.artifact.f", 400),
    ("schema-name-too-long", _set("artifact.name", "n" * 301), "unfragile.artifact.name", 400),
    ("schema-slug", _set("artifact.slug", "Not A Slug"), "unfragile.artifact.slug", 400),
    ("schema-score", _set("trust.score", 10**30), "unfragile.trust.score", 400),
    (
        "duplicate-capability-id",
        _set("capabilities", lambda other: [{"id": "c", "name": "a"}, {"id": "c", "name": "b"}]),
        "unfragile.capabilities[1].id",
        400,
    ),
    (
        "artifact-id-of-another",
        _set("artifact.id", lambda other: other["artifact"]["id"]),
        "unfragile.artifact.id",
        409,
    ),
    (
        "capability-id-of-another",
        _set("capabilities.0.id", lambda other: other["capabilities"][0]["id"]),
        "unfragile.capabilities",
        409,
    ),
    ("not-an-object", _body("[1, 2]"), "document", 400),
    ("not-json", _body("{'passport': 1}"), "body", 400),
    ("duplicate-key", _body('{"passport": {}, "passport": {}}'), "passport", 400),
    ("too-deep", _body("[" * 65 + "]" * 65), "body", 400),
    ("nan", _body('{"passport": NaN}'), "passport", 400),
]


def _text(document: Any) -> str:
    if isinstance(document, str):
        return document
    text = json.dumps(document)
    while RAW in text:  # '"@@raw@@999"' -> '999'
        start = text.index('"' + RAW)
        end = text.index('"', start + 1)
        text = text[:start] + text[start + 1 + len(RAW) : end] + text[end + 1 :]
    return text


def _staff() -> APIClient:
    user = get_user_model().objects.create_user("staff", password="pw-long-enough", is_staff=True)
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return staff


def _counts() -> tuple[int, int, int]:
    return (
        Artifact.objects.count(),
        Capability.objects.count(),
        PassportVersion.objects.count(),
    )


@pytest.mark.parametrize(
    ("mutate", "field", "status"),
    [case[1:] for case in BAD_DOCUMENTS],
    ids=[case[0] for case in BAD_DOCUMENTS],
)
def test_put_refuses_and_validate_answers_invalid_naming_the_same_field(
    seeds: list[str], api: APIClient, mutate: Mutation, field: str, status: int
) -> None:
    document = served(api, MAVERICK)
    body = _text(mutate(copy.deepcopy(document), served(api, LFM)))
    before = _counts()
    served_before = served(api, MAVERICK)

    put = _staff().put("/api/v1/passport", body, content_type="application/json")
    validate = api.post("/api/v1/validate", body, content_type="application/json")

    assert (put.status_code, put.json()["error"]["field"]) == (status, field)
    assert _counts() == before
    assert served(api, MAVERICK) == served_before
    assert validate.status_code == 200
    answer = validate.json()
    assert (answer["valid"], answer["errors"][0]["field"], answer["warnings"]) == (
        False,
        field,
        [],
    )
    assert answer["errors"][0]["message"] in put.json()["error"]["message"]


def test_the_served_document_itself_is_valid_and_put_accepts_it(
    seeds: list[str], api: APIClient
) -> None:
    document = served(api, MAVERICK)
    document["passport"]["unfragile"]["artifact"]["small"] = [2**53 - 1, -(2**53 - 1), 1e-300]
    answer = api.post("/api/v1/validate", document, format="json").json()
    put = _staff().put("/api/v1/passport", document, format="json")
    assert answer == {"valid": True, "slug": MAVERICK, "errors": [], "warnings": []}
    assert (put.status_code, put.json()["status"]) == (200, "updated")
    assert served(api, MAVERICK)["passport"]["unfragile"]["artifact"]["small"] == [
        2**53 - 1,
        -(2**53 - 1),
        1e-300,
    ]


def test_validate_does_not_check_the_caller_or_that_the_slug_exists(
    seeds: list[str], api: APIClient
) -> None:
    document = served(api, MAVERICK)
    document["passport"]["unfragile"]["artifact"]["slug"] = "a-new-model"
    document["passport"]["unfragile"]["artifact"]["id"] = "a-new-model"
    document["passport"]["unfragile"]["capabilities"] = [{"name": "chat"}]
    answer = api.post("/api/v1/validate", document, format="json").json()
    anonymous = api.put("/api/v1/passport", document, format="json")
    missing = _staff().put("/api/v1/passport", document, format="json")
    assert answer == {"valid": True, "slug": "a-new-model", "errors": [], "warnings": []}
    assert (anonymous.status_code, missing.status_code) == (401, 404)
    assert missing.json()["error"]["field"] == "unfragile.artifact.slug"
