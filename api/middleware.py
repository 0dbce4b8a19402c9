"""Requests no view should see: a NUL character in the address or a form body, or more
query parameters or form fields than Django will parse.

PostgreSQL text cannot hold NUL (a lookup with one is a 500 there, not on SQLite), and no
address, slug or form field of ours needs one. JSON bodies are checked by the parser
(passports.canonical.parse_json).

Django parses the query and a form body lazily, on first use, and refuses more than
DATA_UPLOAD_MAX_NUMBER_FIELDS parameters there (TooManyFieldsSent). First use is often
inside DRF's content negotiation or a view, where it became a 500 with DEBUG on (DRF
cannot render the error before it has negotiated) and an unnamed JSON 400 on pages with
DEBUG off; here it is counted once, before any view, and answered like a NUL. So are a
form over DATA_UPLOAD_MAX_MEMORY_SIZE (413) and a malformed multipart body.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from .errors import refusal

MESSAGE = "a NUL character (%00) is not allowed in an address or a form"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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
        return refusal(request, message=MESSAGE, field=where, code="invalid")


def _unparseable(request: HttpRequest) -> tuple[str, str, str, int] | None:
    """(field, message, code, status) when the query or a form body cannot be parsed."""
    try:
        request.GET  # noqa: B018 (parsed here, on purpose, to count)
    except TooManyFieldsSent:
        return "query", _too_many("the address", "parameters"), "too_many_fields", 400
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type not in FORM_TYPES:
        return None
    try:
        request.POST  # noqa: B018
    except TooManyFieldsSent:
        return "body", _too_many("the form", "fields"), "too_many_fields", 400
    except TooManyFilesSent:
        return "body", _too_many("the form", "files", "FILES"), "too_many_files", 400
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return "body", f"the form is larger than the limit of {limit} bytes", "too_large", 413
    except MultiPartParserError:
        return "body", "the form is not valid multipart/form-data", "invalid", 400
    return None


def _too_many(what: str, things: str, setting: str = "FIELDS") -> str:
    limit = getattr(settings, f"DATA_UPLOAD_MAX_NUMBER_{setting}")
    return f"{what} has more than {limit} {things}; the limit is {limit}"


class RejectUnparseableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = _unparseable(request)
        if problem is None:
            return self.get_response(request)
        field, message, code, status = problem
        return refusal(request, message=message, field=field, code=code, status=status)
