"""Error answers: a page for people, JSON in the API's error shape for machines.

Django calls these for errors no view answered itself (config/urls.py names them, and
CSRF_FAILURE_VIEW the CSRF one). A server error's page is rendered from fixed strings with
no request context, so nothing that may be what broke (the URL configuration, the database,
a context processor) is needed to say so; if even that fails, a constant page is sent.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from api.errors import MACHINE_PATHS as JSON_PATHS
from api.errors import error_body, json_404, json_500

logger = logging.getLogger(__name__)


def not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/not_found.html", {"what": what}, status=404)


MACHINE_PATHS = ("/api/", "/.well-known/", "/schema.json", "/admin/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site-wide 404: JSON for API clients, a page for people."""
    if request.path.startswith(MACHINE_PATHS):
        return json_404(request, exception)
    return not_found(request, "page at this address")


FALLBACK_500 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Server error</title>'
    "</head><body><h1>Server error</h1><p>Something went wrong on our side; it has been "
    'logged.</p><p><a href="/">Back to the registry</a></p></body></html>'
)


def wants_json(request: HttpRequest) -> bool:
    """The paths whose clients read JSON: the API, the key set, the schema, the log."""
    return request.path.startswith(JSON_PATHS)


def error_page(status: int, title: str, message: str) -> HttpResponse:
    page = render_to_string(
        "web/error.html", {"status": status, "title": title, "message": message}
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 for a request Django refused (an unknown Host, a malformed body or cookie)."""
    if wants_json(request):
        return JsonResponse(error_body("bad_request", "bad request"), status=400)
    return error_page(400, "Bad request", "The server could not read this request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(error_body("permission_denied", "permission denied"), status=403)
    return error_page(403, "Not allowed", "You may not do this here.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token, or with a stale one (CSRF_FAILURE_VIEW)."""
    if wants_json(request):
        return JsonResponse(error_body("csrf_failed", "CSRF check failed"), status=403)
    return error_page(
        403,
        "Form not accepted",
        "This form could not be accepted: reload the page and send it again "
        "(cookies must be enabled).",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """500: Django has logged the error (django.request); nothing of it is shown."""
    try:
        if wants_json(request):
            return json_500(request)
        return error_page(
            500, "Server error", "Something went wrong on our side; it has been logged."
        )
    except Exception:
        logger.exception("the server error page itself failed")
        return HttpResponse(FALLBACK_500, status=500, content_type="text/html; charset=utf-8")
