"""Digits `str.isdigit()` accepts and `int()` refuses ("²", "٣" is fine for int but not ours),
and numbers longer than Python's 4,300-digit limit: a 4xx naming the field, never a 500
(issue 14, first cause)."""

from __future__ import annotations

from typing import Any

import pytest

from core.numbers import plain_int

MAVERICK = "meta-llama-llama-4-maverick"
SUPERSCRIPT_TWO = "\u00b2"
HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (SUPERSCRIPT_TWO, None),
        ("\u0663", None),  # Arabic-Indic three: int() takes it, a URL parameter should not
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("", None),
        (HUGE, None),
        ("9" * 19, 9_999_999_999_999_999_999),
        ("9" * 20, None),
    ],
)
def test_plain_int_takes_ascii_digits_only(text: str, value: int | None) -> None:
    assert plain_int(text) == value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/passport?page={SUPERSCRIPT_TWO}", "page"),
        (f"/api/v1/passport?page_size={SUPERSCRIPT_TWO}", "page_size"),
        (f"/api/v1/passport?page={HUGE}", "page"),
        (f"/api/v1/passport/{MAVERICK}?version={SUPERSCRIPT_TWO}", "version"),
        (f"/api/v1/passport/{MAVERICK}?version={HUGE}", "version"),
        (f"/api/v1/verify?slug={MAVERICK}&version={SUPERSCRIPT_TWO}", "version"),
    ],
)
def test_odd_digits_in_query_parameters_are_a_400_naming_the_field(
    seeds: list[str], api: Any, path: str, field: str
) -> None:
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


@pytest.mark.django_db
def test_a_callback_token_with_odd_digits_is_refused_not_a_500(seeds: list[str], api: Any) -> None:
    body = {
        "resolveId": "8b0c7f8e-1c1a-4c1e-9a4e-0f7f2b1f9d11",
        "slug": MAVERICK,
        "callbackToken": f"{SUPERSCRIPT_TWO}.abc",
        "outcome": "success",
    }
    response = api.post("/api/v1/feedback", body, format="json")
    assert (response.status_code, response.json()["error"]["field"]) == (403, "callbackToken")


@pytest.mark.django_db
def test_the_list_page_with_odd_digits_is_not_a_500(seeds: list[str], client: Any) -> None:
    response = client.get("/", {"page": SUPERSCRIPT_TWO})
    assert response.status_code in (200, 400)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/resolve", "/api/v1/verify", "/api/v1/feedback"])
@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ('{"intent": "x", "limit": ' + HUGE + "}", "invalid_number", "limit"),
        ('{"intent": "x", "limit": 1e400}', "invalid_number", "limit"),
        ('{"intent": "\\ud800 read images", "slug": "\\udc00"}', "invalid_string", "intent"),
        ('{"passport": {"signedBy": ["\\udc00"]}}', "invalid_string", "passport.signedBy[0]"),
        ('{"\\ud800": 1}', "invalid_string", "body"),
    ],
)
def test_huge_numbers_and_lone_surrogates_in_a_body_are_a_400_naming_the_member(
    seeds: list[str], api: Any, path: str, body: str, code: str, field: str
) -> None:
    # (POST /api/v1/validate answers these as `valid: false`: tests/registry/test_validate_parity.py)
    response = api.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)


@pytest.mark.django_db
def test_a_price_or_size_past_any_bound_in_the_words_is_answered(
    seeds: list[str], api: Any
) -> None:
    for intent in (
        f"a model under ${'9' * 400} per 1M tokens",
        f"summarise a {'9' * 400} page PDF",
    ):
        response = api.post("/api/v1/resolve", {"intent": intent}, format="json")
        assert response.status_code == 200


def test_the_offline_verifier_refuses_a_huge_number_with_exit_2(tmp_path: Any) -> None:
    import subprocess
    import sys

    document = tmp_path / "huge.json"
    document.write_text('{"passport": {"version": ' + HUGE + "}}")
    run = subprocess.run(
        [sys.executable, "-m", "passports.verify", str(document), "--jwks", str(document)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stderr.strip()) == (
        2,
        f"error: {document}: a number has 5000 digits; the limit is 400",
    )
