"""POST /api/v1/resolve and POST /api/v1/feedback."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.throttling import client_key

from .feedback import feedback_record
from .resolve import resolve, resolve_request


class ResolveApi(APIView):
    throttle_scope = "resolve"

    @extend_schema(
        summary="Turn a need in plain words into ranked models, or say why nothing fits",
        request=dict,
        responses=dict,
    )
    def post(self, request: Request) -> Response:
        parsed = resolve_request(request.data)
        base = request.build_absolute_uri("/").rstrip("/")
        return Response(resolve(request=parsed, base_url=base, client_key=client_key(request)))


class FeedbackApi(APIView):
    throttle_scope = "feedback"

    @extend_schema(summary="Report whether a resolved model worked", request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        item = feedback_record(body=request.data, client_key=client_key(request))
        return Response(
            {
                "recorded": True,
                "resolveId": str(item.resolve.resolve_id),
                "slug": item.slug,
                "outcome": item.outcome,
                # False: this client's feedback on this model already counted within
                # FEEDBACK_DEDUP_SECONDS; this one is kept but not counted.
                "counted": item.counted,
            },
            status=201,
        )
