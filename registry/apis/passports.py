"""The passport API's reads and writes: list, search, one document, its versions, import and update."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils.http import parse_etags
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import require_staff
from api.http import base_url
from api.openapi import (
    ANY,
    BODY,
    BOOLEAN,
    DOCUMENT,
    INTEGER,
    MOVED_LOCATION,
    NUMBER,
    OBJECT,
    READ,
    RETRY_AFTER,
    SLUG,
    STAFF,
    STAFF_OR_OWNER,
    STRING,
    SUBMISSION,
    VERSION,
    array,
    errors,
    nullable,
    obj,
)
from api.pagination import StrictPagination
from core.errors import ApplicationError, NotFound

from ..filters import BOOLEAN_CHOICES
from ..list_page import passport_list_page, plain_ordering
from ..modalities import INPUT_MODALITIES, OUTPUT_MODALITIES
from ..models import Artifact
from ..selectors import (
    LIST_FIELDS,
    ORDERINGS,
    artifact_get,
    passport_list,
    passport_search,
    signed_version_row,
    version_list,
)
from ..served import served
from ..services import passport_import, passport_validate
from ..signals import passports_written

_LIST_ROW = obj(
    {
        "slug": STRING,
        "id": STRING,
        "name": STRING,
        "type": STRING,
        "score": INTEGER,
        "verified": BOOLEAN,
        "categories": array(ANY),
        "tags": array(ANY),
        "input_modalities": array(STRING),
        "output_modalities": array(STRING),
        "context_length": nullable(INTEGER),
        "max_output_tokens": nullable(INTEGER),
        "prompt_usd_per_1m_tokens": nullable(NUMBER),
        "completion_usd_per_1m_tokens": nullable(NUMBER),
        "open_weights": nullable(BOOLEAN),
        "source": STRING,
        "updated_at": STRING,
        "_links": obj({"self": STRING}),
    }
)
_PAGE = obj(
    {
        "count": INTEGER,
        "next": nullable(STRING),
        "previous": nullable(STRING),
        "results": array(_LIST_ROW),
    }
)
_WRITTEN = obj(
    {
        "status": {"enum": ["created", "updated", "unchanged"]},
        "slug": STRING,
        "warnings": array(OBJECT),
    }
)
_BOOLEAN_WORDS = [value for value, _label in BOOLEAN_CHOICES]


def _filter(schema: dict[str, Any]) -> dict[str, Any]:
    """A list filter: also empty, which filters nothing (as the list page's form sends it)."""
    return {"anyOf": [schema, {"const": ""}]}


_LIST_FILTERS = [
    OpenApiParameter("page", int, description="1.., default 1; past the last page is a 404"),
    OpenApiParameter("page_size", int, description="1..100, default 20"),
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": 200},
        description="text in the name, slug, description or a capability name",
    ),
    OpenApiParameter("type", {"type": "string", "maxLength": 64}, description="model, router..."),
    OpenApiParameter("category", {"type": "string", "maxLength": 100}),
    OpenApiParameter("tag", {"type": "string", "maxLength": 100}),
    OpenApiParameter("input_modality", _filter({"enum": list(INPUT_MODALITIES)})),
    OpenApiParameter("output_modality", _filter({"enum": list(OUTPUT_MODALITIES)})),
    OpenApiParameter(
        "min_score",
        _filter({"type": "number", "minimum": 0, "maximum": 100}),
        description="trust score at least this",
    ),
    OpenApiParameter("verified", _filter({"enum": _BOOLEAN_WORDS})),
    OpenApiParameter(
        "min_context",
        _filter({"type": "integer", "minimum": 0, "maximum": 10**15 - 1}),
        description="context window at least this many tokens",
    ),
    OpenApiParameter(
        "max_prompt_price",
        _filter({"type": "number", "minimum": 0}),
        description="USD per 1M prompt tokens at most (up to 6 decimals)",
    ),
    OpenApiParameter(
        "variant",
        {"type": "string", "maxLength": 64},
        description="has an offer of this variant (free, batch...)",
    ),
    OpenApiParameter("free", _filter({"enum": _BOOLEAN_WORDS}), description="has a free offer"),
    OpenApiParameter(
        "updated_since",
        {"type": "string", "maxLength": 64},
        description="ISO 8601 time: only listings whose row or signed document changed after "
        "it (incremental sync); ordered oldest change first unless `ordering`",
    ),
    OpenApiParameter(
        "ordering",
        _filter({"enum": sorted([*ORDERINGS, "relevance"])}),
        description="relevance (with q only; the default with q), updated_at (the default "
        "with updated_since), else -score by default",
    ),
]


class PassportListApi(APIView):
    @staticmethod
    def output(values: tuple[Any, ...], base: str) -> dict[str, Any]:
        """A list row from `values_list(*LIST_FIELDS)`: no model instance per row."""
        row = dict(zip(LIST_FIELDS, values, strict=True))
        return {
            "slug": row["slug"],
            "id": row["artifact_id"],
            "name": row["name"],
            "type": row["type"],
            "score": row["trust__score"],
            "verified": row["verified"],
            "categories": row["categories"],
            "tags": row["tags"],
            "input_modalities": row["input_modalities"],
            "output_modalities": row["output_modalities"],
            "context_length": row["context_length"],
            "max_output_tokens": row["max_output_tokens"],
            "prompt_usd_per_1m_tokens": _float(row["prompt_price_per_1m"]),
            "completion_usd_per_1m_tokens": _float(row["completion_price_per_1m"]),
            "open_weights": row["open_weights"],
            "source": row["source"],
            "updated_at": row["updated_at"].isoformat(),
            "_links": {"self": f"{base}/api/v1/passport/{row['slug']}"},
        }

    @extend_schema(
        operation_id="v1_passport_list",
        summary="List passports",
        parameters=_LIST_FILTERS,
        responses={200: _PAGE, **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        # A plain list (no filter) needs no queryset: its SQL is kept (registry.list_page).
        ordering = plain_ordering(params)
        queryset = None if ordering else passport_list(params=params)
        paginator = StrictPagination()
        rows = paginator.paginate_rows(
            request,
            read=lambda offset, size: passport_list_page(
                queryset=queryset, ordering=ordering, offset=offset, size=size
            ),
            count=lambda: (
                queryset if queryset is not None else passport_list(params=params)
            ).count(),
        )
        base = base_url(request)
        return paginator.get_paginated_response([self.output(values, base) for values in rows])

    @extend_schema(
        summary="Import or update a passport (staff token)",
        request={"application/json": SUBMISSION},
        responses={
            201: OpenApiResponse(_WRITTEN, description="A new passport, signed."),
            200: OpenApiResponse(_WRITTEN, description="An existing passport, updated or not."),
            **errors(*BODY, 403, 409),
        },
        auth=STAFF,
    )
    def post(self, request: Request) -> Response:
        require_staff(request)
        outcome = passport_import(document=request.data, source="api")
        _announce(outcome.slug)
        status = 201 if outcome.status == "created" else 200
        return Response(
            {"status": outcome.status, "slug": outcome.slug, "warnings": outcome.warnings},
            status=status,
        )

    @extend_schema(
        summary="Update an existing passport (staff token or its owner's token)",
        request={"application/json": SUBMISSION},
        responses={200: _WRITTEN, **errors(*BODY, 403, 404, 409)},
        auth=STAFF_OR_OWNER,
    )
    def put(self, request: Request) -> Response:
        owner_slug = getattr(request.auth, "owner_slug", None)
        if owner_slug is None:
            require_staff(request)
        rows = passport_validate(document=request.data)
        slug = rows.artifact["slug"]
        if owner_slug is not None and owner_slug != slug:
            # An owner token (claims.authentication) updates the artifact it was issued for,
            # nothing else.
            raise ApplicationError(
                f"this owner token may update {owner_slug!r} only",
                code="permission_denied",
                status=403,
            )
        with transaction.atomic():
            if not Artifact.objects.filter(slug=slug).exists():
                raise NotFound(f"no passport with slug {slug!r}", field="unfragile.artifact.slug")
            outcome = passport_import(document=request.data, source="api")
            _announce(outcome.slug)
        return Response(
            {"status": outcome.status, "slug": outcome.slug, "warnings": outcome.warnings}
        )


def _announce(slug: str) -> None:
    """After commit, tell whoever keeps derived state (the matching index) that a passport changed."""
    transaction.on_commit(lambda: passports_written.send(sender=Artifact, slugs=[slug]))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


_SEARCH = obj(
    {
        "query": STRING,
        "type": nullable(STRING),
        "limit": INTEGER,
        "total": INTEGER,
        "matches": array(OBJECT),
    }
)


class SearchApi(APIView):
    """unfragile's GET /api/v1/search: listings by text relevance, then trust (registry.search)."""

    throttle_scope = "search"

    @extend_schema(
        summary="Search listings by text, best match first",
        parameters=[
            OpenApiParameter("q", str, required=True, description="2 to 500 characters"),
            OpenApiParameter("limit", int, description="1 to 20, default 5"),
            OpenApiParameter("type", str, description="a listing type, e.g. model or router"),
            RETRY_AFTER,
        ],
        responses={200: _SEARCH, **errors(*READ, 429)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        return Response(
            passport_search(
                q=params.get("q"),
                limit=params.get("limit", "5"),
                artifact_type=params.get("type") or None,
                base_url=base_url(request),
            )
        )


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_CACHE_CONTROL = OpenApiParameter(
    "Cache-Control",
    str,
    OpenApiParameter.HEADER,
    response=[200, 304],
    required=True,
    description=f"`{IMMUTABLE}` for `?version=N` (a signed version never changes); "
    f"`{REVALIDATE}` for the latest (revalidate with the ETag: a new version may be signed).",
)


class PassportDetailApi(APIView):
    # A signed version's kept bytes (registry.served): one query, no parse, no render.

    @extend_schema(
        summary="A signed passport document",
        description="`HEAD` answers with the same status and headers, without the document.",
        parameters=[
            SLUG,
            VERSION,
            OpenApiParameter(
                "If-None-Match", str, OpenApiParameter.HEADER, description="an ETag served before"
            ),
            OpenApiParameter(
                "ETag",
                str,
                OpenApiParameter.HEADER,
                response=[200, 304],
                required=True,
                description="The version's digest, quoted (with a hash of the import warnings "
                "after a dot when the passport has any).",
            ),
            _CACHE_CONTROL,
            MOVED_LOCATION,
        ],
        responses={
            200: DOCUMENT,
            304: OpenApiResponse(description="Not modified: the `If-None-Match` ETag is current."),
            **errors(301, *READ, 404),
        },
    )
    # HEAD is GET (Django's View maps it) and the server sends no body: its headers,
    # Content-Length included, are GET's (RFC 9110 9.3.2), from the kept bytes.
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        number = request.query_params.get("version")
        found = served(row=signed_version_row(slug=slug, number=number), slug=slug)
        headers = {
            "ETag": found.etag,
            "Cache-Control": REVALIDATE if number is None or number == "" else IMMUTABLE,
        }
        # Django's own parsing of the header; RFC 9110 13.1.2 compares weakly ("W/").
        sent = parse_etags(request.headers.get("If-None-Match", ""))
        if "*" in sent or found.etag in [tag.removeprefix("W/") for tag in sent]:
            return HttpResponseNotModified(headers=headers)
        if "indent" in (request.accepted_media_type or ""):
            # Accept: application/json; indent=N asks DRF's renderer for indented JSON.
            document = json.loads(found.body(base_url=base_url(request)))
            return Response(document, headers=headers)
        return HttpResponse(
            found.body(base_url=base_url(request)), content_type="application/json", headers=headers
        )


_VERSIONS = obj(
    {
        "slug": STRING,
        "versions": array(
            obj(
                {
                    "version": INTEGER,
                    "signedAt": STRING,
                    "keyId": STRING,
                    "keyStatus": {"enum": ["active", "retired", "revoked"]},
                    "digest": STRING,
                }
            )
        ),
    }
)


class PassportVersionsApi(APIView):
    @extend_schema(
        summary="Version history of a passport",
        parameters=[SLUG, MOVED_LOCATION],
        responses={200: _VERSIONS, **errors(301, *READ, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        return Response({"slug": artifact.slug, "versions": version_list(artifact=artifact)})
