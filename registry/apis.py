"""The passport API: reads, writes, verification and keys; one view per operation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import require_staff
from api.http import base_url
from api.pagination import StrictPagination
from api.parsers import JsonDocumentParser
from core.errors import ApplicationError, NotFound
from passports.canonical import DocumentError
from passports.models import SigningKey
from passports.schema import document_schema
from passports.selectors import jwk_of, key_list
from passports.services import published_keys, version_verify
from passports.signing import verify_document

from .models import Artifact
from .selectors import (
    artifact_get,
    passport_list,
    served_document,
    version_get,
    version_list,
    version_of,
    with_history,
)
from .services import DocumentRejected, passport_import, passport_validate
from .signals import passports_written


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
        _announce(outcome.slug)
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


class VerifyApi(APIView):
    # request.data is a canonical.Json: verify_document canonicalises it without a walk.
    parser_classes = [JsonDocumentParser]

    @extend_schema(
        summary="Verify a stored version",
        parameters=[OpenApiParameter("slug", str, required=True), OpenApiParameter("version", int)],
        responses=dict,
    )
    def get(self, request: Request) -> Response:
        version = version_of(request.query_params)
        return Response(with_history(version_verify(version=version).as_dict()))

    @extend_schema(summary="Verify a whole served document", request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        try:
            verdict = verify_document(request.data, published_keys())
        except DocumentError as exc:
            raise ApplicationError(exc.message, code="not_a_passport", field=exc.field) from exc
        return Response(with_history(verdict.as_dict()))


class PublicKeyApi(APIView):
    @extend_schema(summary="The active public key and every key with its status", responses=dict)
    def get(self, request: Request) -> Response:
        keys = key_list()
        active = next((k for k in keys if k.status == SigningKey.Status.ACTIVE), None)
        return Response(
            {
                "algorithm": "Ed25519",
                "encoding": "base64",
                "keyId": active.key_id if active else None,
                "publicKey": active.public_key if active else None,
                "signedBytes": "RFC 8785 canonical JSON of `passport` without `signature`",
                "keys": [jwk_of(key) for key in keys],
            }
        )


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": [jwk_of(key) for key in key_list()]})


def schema_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(document_schema())
    response["Content-Type"] = "application/schema+json"
    return response
