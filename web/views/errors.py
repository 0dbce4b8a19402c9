"""Not found: a page for people, JSON for API clients."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from api.errors import json_404


def not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/not_found.html", {"what": what}, status=404)


MACHINE_PATHS = ("/api/", "/.well-known/", "/schema.json", "/admin/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site-wide 404: JSON for API clients, a page for people."""
    if request.path.startswith(MACHINE_PATHS):
        return json_404(request, exception)
    return not_found(request, "page at this address")
