"""Probe API: the latest evidence of a passport (public), its endpoints (staff token)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import require_staff
from api.openapi import (
    BODY,
    BOOLEAN,
    INTEGER,
    MOVED_LOCATION,
    NUMBER,
    OBJECT,
    READ,
    SLUG,
    STAFF,
    STRING,
    array,
    errors,
    nullable,
    obj,
)
from core.errors import ApplicationError
from registry.selectors import artifact_get

from .egress import ENV_NAME
from .endpoints import PROVIDER, endpoint_upsert
from .selectors import latest_evidence

_EVIDENCE = obj(
    {
        "endpoint_id": INTEGER,
        "provider": STRING,
        "model": STRING,
        "kind": STRING,
        "status": STRING,
        "http_status": nullable(INTEGER),
        "latency_ms": nullable(NUMBER),
        "ttft_ms": nullable(NUMBER),
        "prompt_tokens": nullable(INTEGER),
        "completion_tokens": nullable(INTEGER),
        "error_class": STRING,
        "message": STRING,
        "slot": nullable(STRING),
        "started_at": nullable(STRING),
        "finished_at": nullable(STRING),
    }
)
_PROBES = obj({"slug": STRING, "observed_outcomes": OBJECT, "evidence": array(_EVIDENCE)})
_ENDPOINT = obj(
    {
        "id": INTEGER,
        "provider": STRING,
        "model": STRING,
        "base_url": STRING,
        "api_key_env": STRING,
        "protocol": STRING,
        "enabled": BOOLEAN,
        "probe": nullable(OBJECT),
    }
)
_ENDPOINTS = obj({"slug": STRING, "endpoints": array(_ENDPOINT)})
_ENDPOINT_WRITTEN = obj({"status": {"enum": ["created", "updated"]}, "endpoint": _ENDPOINT})
# What endpoints._check accepts, stated for clients; the checks themselves stay there.
_ENDPOINT_INPUT = obj(
    {
        "base_url": {
            "type": "string",
            "format": "uri",
            "maxLength": 2000,
            "description": "An https URL with a public host, no credentials and no query: the "
            "OpenAI-compatible API's base (.../v1). Plain http only to loopback, and only "
            "when PROBE_ALLOW_LOOPBACK is set.",
            "examples": ["https://api.example.com/v1"],
        },
        "model": {"type": "string", "minLength": 1, "maxLength": 300},
        "api_key_env": {
            "type": "string",
            "pattern": f"^$|^{ENV_NAME.pattern}$",
            "description": "The name of the environment variable holding the key, never a key; "
            "one the operator allowed in PROBE_KEY_ENVS (default OPENROUTER_API_KEY).",
        },
        "provider": {
            "type": "string",
            "pattern": PROVIDER.pattern,
            "description": "Default: the base URL's host.",
        },
        "enabled": BOOLEAN,
    },
    required=["base_url", "model"],
)


class PassportProbesApi(APIView):
    @extend_schema(
        summary="Latest live-probe evidence of a passport",
        parameters=[SLUG, MOVED_LOCATION],
        responses={200: _PROBES, **errors(301, *READ, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        return Response(
            {
                "slug": artifact.slug,
                "observed_outcomes": artifact.trust.probe_outcomes or {},
                "evidence": latest_evidence(artifact=artifact),
            }
        )


# POST and PUT answer alike (PUT is POST's synonym for clients that update in place).
_UPSERT_SCHEMA = extend_schema(
    summary="Add or update a probe endpoint (staff token)",
    parameters=[SLUG],
    request={"application/json": _ENDPOINT_INPUT},
    responses={
        201: OpenApiResponse(_ENDPOINT_WRITTEN, description="A new endpoint."),
        200: OpenApiResponse(_ENDPOINT_WRITTEN, description="The endpoint, updated."),
        **errors(*BODY, 403, 404),
    },
    auth=STAFF,
)


class PassportEndpointsApi(APIView):
    class InputSerializer(serializers.Serializer):
        base_url = serializers.CharField(max_length=2000)
        model = serializers.CharField(max_length=300)
        api_key_env = serializers.CharField(max_length=100, required=False, allow_blank=True)
        provider = serializers.CharField(max_length=100, required=False)
        enabled = serializers.BooleanField(required=False)

    @staticmethod
    def _endpoint(endpoint: Any) -> dict[str, Any]:
        return {
            "id": endpoint.pk,
            "provider": endpoint.provider,
            "model": endpoint.model_name,
            "base_url": endpoint.base_url,
            "api_key_env": endpoint.api_key_env,
            "protocol": endpoint.protocol,
            "enabled": endpoint.probe_enabled,
            "probe": endpoint.probe_status or None,
        }

    @extend_schema(
        summary="Endpoints of a passport",
        parameters=[SLUG, MOVED_LOCATION],
        responses={200: _ENDPOINTS, **errors(301, *READ, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        return Response(
            {
                "slug": artifact.slug,
                "endpoints": [self._endpoint(e) for e in artifact.endpoints.order_by("pk")],
            }
        )

    @_UPSERT_SCHEMA
    def post(self, request: Request, slug: str) -> Response:
        require_staff(request)
        if not isinstance(request.data, dict):
            raise ApplicationError("the body must be a JSON object", field="body")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        endpoint, created = endpoint_upsert(
            slug=slug,
            base_url=values["base_url"],
            model=values["model"],
            api_key_env=values.get("api_key_env", ""),
            provider=values.get("provider"),
            enabled=values.get("enabled", True),
        )
        return Response(
            {"status": "created" if created else "updated", "endpoint": self._endpoint(endpoint)},
            status=201 if created else 200,
        )

    @_UPSERT_SCHEMA
    def put(self, request: Request, slug: str) -> Response:
        return self.post(request, slug)
