"""A NUL character anywhere a client can put one: a 400, on PostgreSQL too, where text cannot
hold it and a lookup with one was a 500 (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from passports.canonical import DocumentError, parse_json

MAVERICK = "meta-llama-llama-4-maverick"
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/passport/meta%00llama", "path"),
        (f"/api/v1/passport/{MAVERICK}/versions?x=%00", "query"),
        ("/api/v1/verify?slug=a%00b", "query"),
        ("/api/v1/passport?q=%00", "query"),
        ("/log/tile/0/000?x=%00", "query"),
    ],
)
def test_a_nul_in_an_api_address_is_a_json_400(
    seeds: list[str], api: Any, path: str, field: str
) -> None:
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "a NUL character (%00) is not allowed in an address or a form",
        "field": field,
    }


@pytest.mark.parametrize("path", ["/passports/meta%00llama", "/match?q=read%00images", "/?q=%00"])
def test_a_nul_in_a_page_address_is_an_html_400(seeds: list[str], path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "A NUL character (%00) is not allowed" in response.content.decode()


def test_a_nul_in_a_form_body_is_a_400(seeds: list[str]) -> None:
    response = Client().post("/match/feedback", {"note": "bad\x00note", "outcome": "success"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/resolve", {"intent": "read\x00 images"}, "intent"),
        ("/api/v1/feedback", {"resolveId": "x", "slug": MAVERICK, "note": "a\x00"}, "note"),
        (
            "/api/v1/verify",
            {"passport": {"signature": {"keyId": "k\x00"}}},
            "passport.signature.keyId",
        ),
        ("/api/v1/resolve", ["ok", {"a\x00": 1}], "[1]"),
    ],
)
def test_a_nul_in_a_json_body_is_a_400_naming_the_member(
    seeds: list[str], api: Any, path: str, body: Any, field: str
) -> None:
    # (POST /api/v1/validate answers these as `valid: false`: tests/registry/test_validate_parity.py)
    response = api.post(path, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert response.json()["error"]["code"] == "invalid_string"


def test_parse_json_refuses_a_nul_in_keys_and_values() -> None:
    for text in ('{"a": "x\\u0000"}', '{"a\\u0000": 1}', '["\\u0000"]'):
        with pytest.raises(DocumentError, match="NUL character"):
            parse_json(text)
