"""Checking documents and keys: validate, verify, the public keys, JWKS and the document schema."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.openapi import (
    ANY,
    BODY,
    BOOLEAN,
    DOCUMENT,
    INTEGER,
    MOVED_LOCATION,
    OBJECT,
    READ,
    RETRY_AFTER,
    STRING,
    SUBMISSION,
    VERSION,
    array,
    errors,
    nullable,
    obj,
)
from api.parsers import BadBody, JsonDocumentParser
from core.errors import ApplicationError
from passports.canonical import DocumentError
from passports.models import SigningKey
from passports.schema import document_schema
from passports.selectors import jwk_of, key_list
from passports.services import published_keys, version_verify
from passports.signing import verify_document

from ..selectors import (
    version_of,
    with_history,
)
from ..services import DocumentRejected, passport_check

_VALIDATION = obj(
    {
        "valid": BOOLEAN,
        "slug": STRING,
        "errors": array(obj({"field": nullable(STRING), "message": STRING})),
        "warnings": array(OBJECT),
    },
    required=["valid", "errors", "warnings"],
)
# A verdict echoes what the document states (version, signedBy, signedAt), whatever its type.
_VERDICT = obj(
    {
        "slug": nullable(STRING),
        "version": ANY,
        "valid": BOOLEAN,
        "keyId": nullable(STRING),
        "signedBy": ANY,
        "signedAt": ANY,
        "reason": nullable(STRING),
        "latest": BOOLEAN,
        "latestVersion": nullable(INTEGER),
        "logIndex": nullable(INTEGER),
    }
)


class ValidateApi(APIView):
    """`valid: false` for every document `POST` or `PUT /api/v1/passport` would refuse.

    The checks are the same functions: registry.services.passport_check is
    passport_validate and passport_conflicts, which passport_import runs too. They cover
    the body's JSON (a NUL or a lone surrogate in any string or key, a number past 400
    digits or out of range, a duplicate key, nesting past 64: the parser's refusals,
    answered here as `valid: false` with the same field), the schema, numbers a signed
    document cannot hold exactly (past 2**53 - 1), capability ids given twice, and an
    artifact or capability id that belongs to another artifact.

    Not checked, because they are about the caller or the operation rather than the
    document: the token (`POST` is staff only, `PUT` staff or the slug's owner) and
    whether the slug exists (`PUT` updates, `POST` creates). A body that is not read as a
    document at all is answered as `PUT` answers it: over PASSPORT_MAX_BYTES a 413,
    another content type a 415.
    """

    permission_classes: list[type[BasePermission]] = []
    throttle_scope = "validate"

    @extend_schema(
        summary="Check a document without storing it",
        description="Any JSON body gets an answer: `valid: false` with the problems found when "
        "it is not a passport document the registry would import.",
        request={"application/json": SUBMISSION},
        responses={200: _VALIDATION, **errors(*BODY, 429)},
        parameters=[RETRY_AFTER],
    )
    def post(self, request: Request) -> Response:
        try:
            document = request.data
        except BadBody as exc:
            if exc.status_code == 413:
                raise  # not read at all, as for PUT
            return _invalid([{"field": exc.field, "message": str(exc.detail)}])
        try:
            rows = passport_check(document=document)
        except DocumentRejected as exc:
            return _invalid(exc.details or [{"field": exc.field, "message": exc.message}])
        return Response(
            {"valid": True, "slug": rows.artifact["slug"], "errors": [], "warnings": []}
        )


def _invalid(errors: list[dict[str, Any]]) -> Response:
    return Response({"valid": False, "errors": errors, "warnings": []})


class VerifyApi(APIView):
    throttle_scope = "verify"
    # request.data is a canonical.Json: verify_document canonicalises it without a walk.
    parser_classes = [JsonDocumentParser]

    @extend_schema(
        summary="Verify a stored version",
        parameters=[
            OpenApiParameter("slug", str, required=True),
            VERSION,
            MOVED_LOCATION,
            RETRY_AFTER,
        ],
        responses={200: _VERDICT, **errors(301, *READ, 404, 429)},
    )
    def get(self, request: Request) -> Response:
        version = version_of(request.query_params)
        return Response(with_history(version_verify(version=version).as_dict()))

    @extend_schema(
        summary="Verify a whole served document",
        description="A signature that does not verify is `valid: false` with the reason; a "
        "body that is no passport document at all is a 400.",
        request={"application/json": DOCUMENT},
        parameters=[RETRY_AFTER],
        responses={200: _VERDICT, **errors(*BODY, 429)},
    )
    def post(self, request: Request) -> Response:
        try:
            verdict = verify_document(request.data, published_keys())
        except DocumentError as exc:
            raise ApplicationError(exc.message, code="not_a_passport", field=exc.field) from exc
        return Response(with_history(verdict.as_dict()))


_PUBLIC_KEY = obj(
    {
        "algorithm": {"const": "Ed25519"},
        "encoding": {"const": "base64"},
        "keyId": nullable(STRING),
        "publicKey": nullable(STRING),
        "signedBytes": STRING,
        "keys": array(
            obj(
                {
                    "kty": STRING,
                    "crv": STRING,
                    "x": STRING,
                    "kid": STRING,
                    "status": {"enum": ["active", "retired", "revoked"]},
                },
            )
        ),
    }
)


class PublicKeyApi(APIView):
    @extend_schema(
        summary="The active public key and every key with its status",
        responses={200: _PUBLIC_KEY, **errors(*READ)},
    )
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
