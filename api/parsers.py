"""Request parsing: the strict JSON rules of passports.canonical for every API body."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import APIException
from rest_framework.parsers import BaseParser

from core.numbers import plain_int
from passports.canonical import DocumentError, Json, read_json


class BadBody(APIException):
    status_code = 400
    default_code = "invalid_body"

    def __init__(self, message: str, *, code: str, field: str | None, status: int = 400) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status
        self.field = field


class StrictJSONParser(BaseParser):
    media_type = "application/json"
    ordered = False  # see canonical.read_json

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return self.read(stream, parser_context).value

    def read(self, stream: Any, parser_context: Any) -> Json:
        limit = settings.PASSPORT_MAX_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        size = plain_int(str(declared)) if declared else None
        if size is not None and size > limit:
            raise BadBody(
                f"body is {size} bytes; the limit is {limit} bytes",
                code="too_large",
                field="body",
                status=413,
            )
        data = stream.read(limit + 1) if stream is not None else b""
        if not data:
            raise BadBody(
                "the request body is empty; send a JSON object", code="empty", field="body"
            )
        try:
            return read_json(data, max_bytes=limit, ordered=self.ordered)
        except DocumentError as exc:
            status = 413 if exc.code == "too_large" else 400
            raise BadBody(
                exc.message, code=exc.code, field=exc.field or "body", status=status
            ) from exc


class JsonDocumentParser(StrictJSONParser):
    """The same rules, but `request.data` is the canonical.Json record (value and whether
    it is plain), so a verification can canonicalise without a second walk; objects come
    back in RFC 8785 member order when they can (a verification does not echo them)."""

    ordered = True

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return self.read(stream, parser_context)
