"""Bugs schemathesis found (tests/test_openapi_fuzz.py), each reproduced as a plain test."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from registry.models import Artifact


@pytest.fixture
def staff(api: Any, db: Any) -> Any:
    user = get_user_model().objects.create_user("curator", is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.mark.parametrize("number", [2**53, -(2**53), 2**63, 1e16, -2.2e248])
@pytest.mark.django_db
def test_a_number_past_what_rfc8785_signs_is_a_400_naming_it(
    staff: Any, seed_documents: dict[str, Any], number: float
) -> None:
    # Unknown members are kept and signed; an integer beyond +-(2**53 - 1) cannot be put in
    # canonical form, so signing the import failed with a 500 after validation passed. A float
    # that large did too on PostgreSQL, whose jsonb gives it back as an integer.
    doc = copy.deepcopy(seed_documents["meta-llama-llama-4-scout"])
    doc["passport"]["unfragile"]["distribution"]["extra"] = {"counts": [1, number]}
    response = staff.post("/api/v1/passport", doc, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid_number",
            "message": f"unfragile.distribution.extra.counts[1]: {number} is outside the range "
            "of numbers a signed document keeps exactly (-9007199254740991 to 9007199254740991, "
            "RFC 8785)",
            "field": "unfragile.distribution.extra.counts[1]",
        }
    }
    assert Artifact.objects.count() == 0
    verdict = staff.post("/api/v1/validate", doc, format="json").json()
    assert verdict == {
        "valid": False,
        "errors": [
            {
                "field": "unfragile.distribution.extra.counts[1]",
                "message": f"unfragile.distribution.extra.counts[1]: {number} is outside the "
                "range of numbers a signed document keeps exactly (-9007199254740991 to "
                "9007199254740991, RFC 8785)",
            }
        ],
        "warnings": [],
    }


@pytest.mark.django_db
def test_the_largest_safe_integer_imports(staff: Any, seed_documents: dict[str, Any]) -> None:
    doc = copy.deepcopy(seed_documents["meta-llama-llama-4-scout"])
    doc["passport"]["unfragile"]["distribution"]["extra"] = [2**53 - 1, -(2**53 - 1), 1e15, 2.5]
    response = staff.post("/api/v1/passport", doc, format="json")
    assert (response.status_code, response.json()["status"]) == (201, "created")
