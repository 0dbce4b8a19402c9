"""The passport read and write API: one view per operation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.tasks import enqueue_index_rebuild
from passports.selectors import served_document, version_get, version_list
from registry.documents import base_url
from registry.errors import ApplicationError, NotFound
from registry.models import Artifact
from registry.selectors import artifact_get, passport_list
from registry.services import passport_import, passport_validate


def require_staff(request: Request) -> None:
    """401 without a token, 403 for a token that is not staff."""
    user = request.user
    if user is None or not user.is_authenticated:
        raise ApplicationError(
            "authentication required: send 'Authorization: Token <key>'",
            code="not_authenticated",
            status=401,
        )
    if not user.is_staff:
        raise ApplicationError("staff only", code="permission_denied", status=403)


class StrictPagination(PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ApplicationError(
                f"page_size must be an integer from 1 to {self.max_page_size}", field="page_size"
            )
        return int(raw)

    def get_page_number(self, request: Request, paginator: Any) -> str:
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit() or int(raw) < 1:
            raise ApplicationError("page must be a positive integer", field="page")
        if int(raw) > max(paginator.num_pages, 1):
            raise NotFound(
                f"page {raw} is past the last page ({paginator.num_pages})", field="page"
            )
        return raw


class PassportListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        def to_representation(self, artifact: Artifact) -> dict[str, Any]:
            base = self.context["base_url"]
            return {
                "slug": artifact.slug,
                "id": artifact.artifact_id,
                "name": artifact.name,
                "type": artifact.type,
                "score": artifact.trust.score,
                "verified": artifact.verified,
                "categories": artifact.categories,
                "tags": artifact.tags,
                "input_modalities": artifact.input_modalities,
                "output_modalities": artifact.output_modalities,
                "context_length": artifact.context_length,
                "max_output_tokens": artifact.max_output_tokens,
                "prompt_usd_per_1m_tokens": _float(artifact.prompt_price_per_1m),
                "completion_usd_per_1m_tokens": _float(artifact.completion_price_per_1m),
                "open_weights": artifact.open_weights,
                "source": artifact.source,
                "updated_at": artifact.updated_at.isoformat(),
                "_links": {"self": f"{base}/api/v1/passport/{artifact.slug}"},
            }

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="1..100, default 20"),
        ],
        summary="List passports",
    )
    def get(self, request: Request) -> Response:
        queryset = passport_list(params=request.query_params)
        paginator = StrictPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = self.OutputSerializer(page, many=True, context={"base_url": base_url(request)}).data
        return paginator.get_paginated_response(data)

    @extend_schema(summary="Import or update a passport (staff token)", request=dict)
    def post(self, request: Request) -> Response:
        require_staff(request)
        outcome = passport_import(document=request.data, source="api")
        transaction.on_commit(enqueue_index_rebuild)
        status = 201 if outcome.status == "created" else 200
        return Response(
            {"status": outcome.status, "slug": outcome.slug, "warnings": outcome.warnings},
            status=status,
        )

    @extend_schema(
        summary="Update an existing passport (staff token or its owner's token)", request=dict
    )
    def put(self, request: Request) -> Response:
        owner_slug = getattr(request.auth, "owner_slug", None)
        if owner_slug is None:
            require_staff(request)
        rows = passport_validate(document=request.data)
        slug = rows.artifact["slug"]
        if owner_slug is not None and owner_slug != slug:
            # An owner token (web.claims) updates the artifact it was issued for, nothing else.
            raise ApplicationError(
                f"this owner token may update {owner_slug!r} only",
                code="permission_denied",
                status=403,
            )
        with transaction.atomic():
            if not Artifact.objects.filter(slug=slug).exists():
                raise NotFound(f"no passport with slug {slug!r}", field="unfragile.artifact.slug")
            outcome = passport_import(document=request.data, source="api")
            transaction.on_commit(enqueue_index_rebuild)
        return Response(
            {"status": outcome.status, "slug": outcome.slug, "warnings": outcome.warnings}
        )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


class PassportDetailApi(APIView):
    @extend_schema(
        summary="A signed passport document",
        parameters=[OpenApiParameter("version", int, description="an older version")],
        responses=dict,
    )
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        version = version_get(artifact=artifact, number=request.query_params.get("version"))
        etag = f'"{version.digest}"'
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=304, headers={"ETag": etag})
        document = served_document(
            version=version,
            slug=artifact.slug,
            base_url=base_url(request),
            warnings=[warning.as_dict() for warning in artifact.warnings.all()],
        )
        return Response(document, headers={"ETag": etag})


class PassportVersionsApi(APIView):
    @extend_schema(summary="Version history of a passport", responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        return Response({"slug": artifact.slug, "versions": version_list(artifact=artifact)})


class ValidateApi(APIView):
    permission_classes: list[type[BasePermission]] = []

    @extend_schema(summary="Check a document without storing it", request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        from registry.services import DocumentRejected

        try:
            rows = passport_validate(document=request.data)
        except DocumentRejected as exc:
            return Response(
                {
                    "valid": False,
                    "errors": exc.details or [{"field": exc.field, "message": exc.message}],
                    "warnings": [],
                }
            )
        return Response(
            {"valid": True, "slug": rows.artifact["slug"], "errors": [], "warnings": []}
        )
