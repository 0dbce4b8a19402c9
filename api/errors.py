"""One place that turns every API failure into {"error": {"code", "message", "field"?}}."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from core.errors import ApplicationError, Moved

from .parsers import BadBody

logger = logging.getLogger(__name__)

# Where a client is a program: errors are JSON there, a page for people elsewhere.
MACHINE_PATHS = ("/api/", "/.well-known/", "/schema.json", "/log/", "/mcp")


def error_body(code: str, message: str, field: str | None = None, **more: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    error.update(more)
    return {"error": error}


def _first_validation_error(detail: Any, prefix: str = "") -> tuple[str | None, str, str]:
    """(field, message, code) of the first problem in a DRF ValidationError detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            field = f"{prefix}.{name}" if prefix and name else (name or prefix)
            return _first_validation_error(value, field)
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], prefix)
    code = getattr(detail, "code", "invalid") or "invalid"
    message = str(detail)
    return (prefix or None), (f"{prefix}: {message}" if prefix else message), str(code)


def moved_location(request: HttpRequest, exc: Moved) -> str:
    """The request's URL with the old name's path segment (or `slug` parameter) replaced."""
    segments = [exc.new if part == exc.old else part for part in request.path.split("/")]
    query = request.GET.copy()
    if query.get("slug") == exc.old:
        query["slug"] = exc.new
    encoded = query.urlencode()
    return "/".join(segments) + (f"?{encoded}" if encoded else "")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Moved):
        response = Response({"error": exc.as_dict()}, status=exc.status)
        response["Location"] = moved_location(context["request"], exc)
        return response
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, BadBody):
        return Response(
            error_body(str(exc.get_codes()), str(exc.detail), exc.field), status=exc.status_code
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(
                "too_large",
                f"body is larger than the limit of {settings.PASSPORT_MAX_BYTES} bytes",
                "body",
            ),
            status=413,
        )
    if isinstance(exc, Http404):
        return Response(error_body("not_found", str(exc) or "not found"), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("permission_denied", "permission denied"), status=403)
    if isinstance(exc, exceptions.ValidationError):
        field, message, code = _first_validation_error(exc.detail)
        return Response(error_body(code, message, field), status=400)
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response = Response(error_body(code, str(exc.detail)), status=exc.status_code)
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        return response
    return None


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", f"no such path: {request.path}"), status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", "internal error; it has been logged"), status=500
    )


def refusal(
    request: HttpRequest, *, message: str, field: str | None, code: str, status: int = 400
) -> HttpResponse:
    """A 4xx no view answered: JSON naming the field on machine paths, a page elsewhere."""
    if request.path_info.startswith(MACHINE_PATHS):
        return JsonResponse(error_body(code, message, field), status=status)
    sentence = message[:1].upper() + message[1:]
    return HttpResponse(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bad request'
        f"</title></head><body><h1>Bad request</h1><p>{escape(sentence)}.</p>"
        '<p><a href="/">Back to the registry</a></p></body></html>',
        status=status,
        content_type="text/html; charset=utf-8",
    )
