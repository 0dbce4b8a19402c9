"""/api/docs/ serves Swagger UI from the registry's own static files, never a CDN
(drf-spectacular-sidecar); tests/web/test_browser.py renders it in Chromium."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client

SIDECAR = "/static/drf_spectacular_sidecar/swagger-ui-dist/"


def test_api_docs_reference_only_our_own_static_files() -> None:
    response = Client().get("/api/docs/")
    html = response.content.decode()
    assert (response.status_code, response["Content-Type"]) == (200, "text/html; charset=utf-8")
    for outside in ("cdn", "jsdelivr", "unpkg", "://"):
        assert outside not in html
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references == [
        f"{SIDECAR}favicon-32x32.png",
        f"{SIDECAR}swagger-ui.css",
        f"{SIDECAR}swagger-ui-bundle.js",
        f"{SIDECAR}swagger-ui-standalone-preset.js",
    ]
    for reference in references:
        assert finders.find(reference.removeprefix("/static/")) is not None
    # The schema comes from this host; the online validator is never asked.
    assert 'url: "/api/schema/",' in html
    assert '"validatorUrl": null' in html
