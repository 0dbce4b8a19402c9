"""More query parameters or form fields than Django parses (DATA_UPLOAD_MAX_NUMBER_FIELDS,
1,000): a 400 naming the query or the form, before any view, with DEBUG on and off. Django
parses both lazily; inside DRF's content negotiation with DEBUG on it was a 500, and
elsewhere an unnamed JSON 400, on pages too (issue 14)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

MAVERICK = "meta-llama-llama-4-maverick"
pytestmark = pytest.mark.django_db

TOO_MANY = "&".join(f"p{i}=1" for i in range(1001))
QUERY_MESSAGE = "the address has more than 1000 parameters; the limit is 1000"

API_PATHS = [
    "/api/v1/passport",
    f"/api/v1/passport/{MAVERICK}",
    f"/api/v1/passport/{MAVERICK}/versions",
    f"/api/v1/passport/{MAVERICK}/bundle",
    f"/api/v1/passport/{MAVERICK}/probes",
    "/api/v1/verify?slug=x",
    "/api/v1/log/proof?slug=x",
    "/api/v1/log/consistency?from=1&to=1",
    "/api/v1/trust-passport-public-key",
    "/api/schema/",
    "/.well-known/jwks.json",
    "/log/checkpoint",
    "/schema.json",
]
PAGE_PATHS = [
    "/",
    f"/passports/{MAVERICK}",
    "/match?q=read+images",
    "/compare",
    "/verify",
    "/submit",
]


def _with_too_many(path: str) -> str:
    return path + ("&" if "?" in path else "?") + TOO_MANY


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
@pytest.mark.parametrize("path", API_PATHS)
def test_too_many_query_parameters_on_an_api_path_is_a_json_400(path: str, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = Client(raise_request_exception=False).get(_with_too_many(path))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "too_many_fields", "message": QUERY_MESSAGE, "field": "query"}
    }


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/resolve", {"intent": "read images"}),
        ("/api/v1/validate", {"artifact": {}}),
        ("/api/v1/verify", {"passport": {}}),
    ],
)
def test_too_many_query_parameters_on_a_json_post_is_a_json_400(
    path: str, body: dict[str, object], debug: bool
) -> None:
    with override_settings(DEBUG=debug):
        response = Client(raise_request_exception=False).post(
            _with_too_many(path), body, content_type="application/json"
        )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "query"


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
@pytest.mark.parametrize("path", PAGE_PATHS)
def test_too_many_query_parameters_on_a_page_is_an_html_400(path: str, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = Client(raise_request_exception=False).get(_with_too_many(path))
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<p>The address has more than 1000 parameters; the limit is 1000.</p>" in (
        response.content.decode()
    )


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
@pytest.mark.parametrize("path", ["/match/feedback", "/submit", "/verify"])
def test_a_form_with_too_many_fields_is_a_400_naming_the_form(path: str, debug: bool) -> None:
    fields = {f"f{i}": "1" for i in range(1001)}
    with override_settings(DEBUG=debug):
        response = Client(raise_request_exception=False).post(path, fields)  # multipart
        encoded = Client(raise_request_exception=False).post(
            path, TOO_MANY, content_type="application/x-www-form-urlencoded"
        )
    for answer in (response, encoded):
        assert answer.status_code == 400
        assert answer["Content-Type"] == "text/html; charset=utf-8"
        assert "<p>The form has more than 1000 fields; the limit is 1000.</p>" in (
            answer.content.decode()
        )


def test_a_malformed_multipart_form_is_a_400() -> None:
    response = Client(raise_request_exception=False).post(
        "/verify", b"--x\r\n", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 400
    assert "<p>The form is not valid multipart/form-data.</p>" in response.content.decode()


def test_exactly_the_limit_of_query_parameters_is_read(seeds: list[str]) -> None:
    query = "&".join(["page_size=1"] + [f"p{i}=1" for i in range(999)])
    response = Client().get(f"/api/v1/passport?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@override_settings(DEBUG=False)
def test_what_django_refuses_itself_is_a_page_on_pages_and_json_on_the_api() -> None:
    page = Client(raise_request_exception=False).get("/", HTTP_HOST="not-allowed.example")
    api = Client(raise_request_exception=False).get(
        "/api/v1/passport", HTTP_HOST="not-allowed.example"
    )
    assert (page.status_code, page["Content-Type"]) == (400, "text/html; charset=utf-8")
    # The site's 400 page (web.views.errors.bad_request), not the API's JSON.
    assert "<h1>Bad request</h1>\n<p>The server could not read this request.</p>" in (
        page.content.decode()
    )
    assert (api.status_code, api.json()) == (
        400,
        {"error": {"code": "bad_request", "message": "bad request"}},
    )
