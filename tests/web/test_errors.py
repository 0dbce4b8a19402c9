"""Errors no view answered: a page for people, the API's JSON error on machine paths, and
never a traceback or a secret. Views that fail live in tests/web/error_urls.py, beside the
site's own URLs and error handlers."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.web.error_urls import SECRET_DETAIL
from web.views.errors import FALLBACK_500

pytestmark = pytest.mark.urls("tests.web.error_urls")

HTML = "text/html; charset=utf-8"
SERVER_ERROR_JSON = {
    "error": {"code": "server_error", "message": "internal error; it has been logged"}
}


def client() -> Client:
    return Client(raise_request_exception=False)


def assert_nothing_leaks(body: str) -> None:
    for leak in (SECRET_DETAIL, "Traceback", "RuntimeError", "error_urls", settings.SECRET_KEY):
        assert leak not in body


def test_an_unhandled_error_on_a_page_is_an_html_500(caplog: Any) -> None:
    caplog.set_level(logging.ERROR, logger="django.request")
    response = client().get("/broken")
    body = response.content.decode()
    assert (response.status_code, response["Content-Type"]) == (500, HTML)
    assert body.startswith('<!doctype html>\n<html lang="en">')
    assert "<title>Server error · Trust-passport registry</title>" in body
    assert (
        "<h1>Server error</h1>\n<p>Something went wrong on our side; it has been logged.</p>"
        in body
    )
    assert '<link rel="stylesheet" href="/static/web/site.css">' in body
    assert_nothing_leaks(body)
    # "It has been logged" is true: Django logged the error with its traceback.
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert (record.getMessage(), record.exc_info is not None) == (
        "Internal Server Error: /broken",
        True,
    )


@pytest.mark.parametrize("path", ["/api/v1/broken", "/.well-known/broken", "/log/broken"])
def test_an_unhandled_error_on_a_machine_path_is_a_json_500(path: str) -> None:
    response = client().get(path)
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert response.json() == SERVER_ERROR_JSON
    assert_nothing_leaks(response.content.decode())


def test_the_500_page_survives_a_broken_template_setup() -> None:
    """When even the error page cannot be rendered, a constant page is sent."""
    no_templates = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": False,
        }
    ]
    with override_settings(TEMPLATES=no_templates):
        response = client().get("/broken")
    assert (response.status_code, response["Content-Type"]) == (500, HTML)
    assert response.content.decode() == FALLBACK_500


def test_permission_denied_is_a_403_page_or_json() -> None:
    page = client().get("/forbidden")
    assert (page.status_code, page["Content-Type"]) == (403, HTML)
    assert "<h1>Not allowed</h1>\n<p>You may not do this here.</p>" in page.content.decode()
    assert_nothing_leaks(page.content.decode())
    api = client().get("/api/v1/forbidden")
    assert (api.status_code, api.json()) == (
        403,
        {"error": {"code": "permission_denied", "message": "permission denied"}},
    )


def test_an_unknown_host_is_a_400_page_or_json() -> None:
    page = client().get("/methodology", HTTP_HOST="evil.example")
    assert (page.status_code, page["Content-Type"]) == (400, HTML)
    assert (
        "<h1>Bad request</h1>\n<p>The server could not read this request.</p>"
        in page.content.decode()
    )
    assert "evil.example" not in page.content.decode()
    api = client().get("/api/v1/passport", HTTP_HOST="evil.example")
    assert (api.status_code, api.json()) == (
        400,
        {"error": {"code": "bad_request", "message": "bad request"}},
    )


def test_a_form_without_its_csrf_token_is_a_403_page(db: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/verify", {"document": "{}"})
    assert (response.status_code, response["Content-Type"]) == (403, HTML)
    assert (
        "<h1>Form not accepted</h1>\n<p>This form could not be accepted: reload the page and "
        "send it again (cookies must be enabled).</p>"
    ) in response.content.decode()
