"""Probe API: the latest evidence of a passport (public), its endpoints (staff token)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import require_staff
from core.errors import ApplicationError
from registry.selectors import artifact_get

from .endpoints import endpoint_upsert
from .selectors import latest_evidence


class PassportProbesApi(APIView):
    @extend_schema(summary="Latest live-probe evidence of a passport", responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        return Response(
            {
                "slug": artifact.slug,
                "observed_outcomes": artifact.trust.probe_outcomes or {},
                "evidence": latest_evidence(artifact=artifact),
            }
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

    @extend_schema(summary="Endpoints of a passport", responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        return Response(
            {
                "slug": artifact.slug,
                "endpoints": [self._endpoint(e) for e in artifact.endpoints.order_by("pk")],
            }
        )

    @extend_schema(
        summary="Add or update a probe endpoint (staff token)",
        request=InputSerializer,
        responses=dict,
    )
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

    @extend_schema(
        summary="Add or update a probe endpoint (staff token)",
        request=InputSerializer,
        responses=dict,
    )
    def put(self, request: Request, slug: str) -> Response:
        return self.post(request, slug)
