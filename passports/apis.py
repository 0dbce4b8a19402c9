"""Verification and key publication endpoints."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.errors import ApplicationError
from registry.selectors import artifact_get

from .canonical import DocumentError
from .models import SigningKey
from .schema import document_schema
from .selectors import jwk_of, key_list, version_get
from .services import published_keys, version_verify
from .signing import verify_document


class VerifyApi(APIView):
    @extend_schema(
        summary="Verify a stored version",
        parameters=[OpenApiParameter("slug", str, required=True), OpenApiParameter("version", int)],
        responses=dict,
    )
    def get(self, request: Request) -> Response:
        slug = request.query_params.get("slug")
        if not slug:
            raise ApplicationError("slug is required", field="slug")
        artifact = artifact_get(slug=slug)
        version = version_get(artifact=artifact, number=request.query_params.get("version"))
        return Response(version_verify(version=version).as_dict())

    @extend_schema(summary="Verify a whole served document", request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        try:
            verdict = verify_document(request.data, published_keys())
        except DocumentError as exc:
            raise ApplicationError(exc.message, code="not_a_passport", field=exc.field) from exc
        return Response(verdict.as_dict())


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
