"""Requests no view should see: a NUL character in the address or a form body.

PostgreSQL text cannot hold NUL (a lookup with one is a 500 there, not on SQLite), and no
address, slug or form field of ours needs one. JSON bodies are checked by the parser
(passports.canonical.parse_json).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body

MACHINE_PATHS = ("/api/", "/.well-known/", "/schema.json", "/log/", "/mcp")
MESSAGE = "a NUL character (%00) is not allowed in an address or a form"


def _has_nul(request: HttpRequest) -> str | None:
    """Where the request carries a NUL: "path", "query" or "body"; None if nowhere."""
    if "\x00" in request.path_info:
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return "query"
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        if b"%00" in request.body or b"\x00" in request.body:
            return "body"
    return None


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _has_nul(request)
        if where is None:
            return self.get_response(request)
        if request.path_info.startswith(MACHINE_PATHS):
            return JsonResponse(error_body("invalid", MESSAGE, where), status=400)
        return HttpResponse(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bad request'
            "</title></head><body><h1>Bad request</h1><p>A NUL character (%00) is not allowed "
            'in an address or a form.</p><p><a href="/">Back to the registry</a></p></body>'
            "</html>",
            status=400,
            content_type="text/html; charset=utf-8",
        )
