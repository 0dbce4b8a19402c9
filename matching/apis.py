"""POST /api/v1/resolve and POST /api/v1/feedback."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.openapi import (
    ANY,
    BODY,
    BOOLEAN,
    INTEGER,
    NUMBER,
    OBJECT,
    RETRY_AFTER,
    STRING,
    Schema,
    array,
    errors,
    nullable,
    obj,
)
from api.throttling import client_key
from registry.modalities import INPUT_MODALITIES, OUTPUT_MODALITIES

from .constraints import LISTING_TYPE, MAX_CONTEXT, MAX_PRICE
from .feedback import feedback_record
from .preferences import PREFERENCES
from .resolve import MAX_INTENT_CHARS, MAX_LIMIT, resolve, resolve_request

# What resolve_request and constraints.apply_filters accept, stated for clients.
_PREFERENCE: Schema = {"enum": list(PREFERENCES)}
_RESOLVE_INPUT = obj(
    {
        "intent": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_INTENT_CHARS,
            "description": "The need in plain words (runs of white space count as one).",
            "examples": ["summarize 300-page contracts"],
        },
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 5},
        "filters": nullable(
            {
                "type": "object",
                "description": "Hard constraints; each one stated here replaces what the "
                "intent's words said about it.",
                "additionalProperties": False,
                "properties": {
                    "input_modalities": array({"enum": list(INPUT_MODALITIES)}),
                    "output_modalities": array({"enum": list(OUTPUT_MODALITIES)}),
                    "min_context": nullable(
                        {"type": "integer", "minimum": 0, "maximum": MAX_CONTEXT}
                    ),
                    "max_prompt_price": nullable(
                        {"type": "number", "minimum": 0, "maximum": int(MAX_PRICE)}
                    ),
                    "open_weights": nullable(BOOLEAN),
                    "type": nullable({"type": "string", "pattern": LISTING_TYPE.pattern}),
                    "variant": nullable({"type": "string", "minLength": 1, "maxLength": 64}),
                    "free": nullable(BOOLEAN),
                },
            }
        ),
        "prefer": {
            "description": "What decides among equally good models, first to last.",
            "anyOf": [_PREFERENCE, array(_PREFERENCE)],
        },
    },
    required=["intent"],
)
_REQUIRED = obj(
    {
        "input_modalities": array(STRING),
        "output_modalities": array(STRING),
        "min_context": nullable(INTEGER),
        "max_prompt_price": nullable(NUMBER),
        "open_weights": nullable(BOOLEAN),
        "type": nullable(STRING),
        "variant": nullable(STRING),
        "free": nullable(BOOLEAN),
        "prefer": array(STRING),
        "understood": array(STRING),
    }
)
_RESOLVED = obj(
    {
        "artifact": obj({"id": STRING, "slug": STRING, "name": STRING, "type": STRING}),
        "offer": nullable(OBJECT),
        "capability": obj(
            {
                "id": STRING,
                "name": STRING,
                "intent": STRING,
                "description": STRING,
                "whyThisMatches": STRING,
                "vsAlternatives": STRING,
                "bestFor": array(ANY),
                "limitations": array(ANY),
            }
        ),
        "trust": obj({"verified": BOOLEAN, "score": INTEGER}),
        "alternatives": array(OBJECT),
        "matchConfidence": NUMBER,
        "lastVerified": nullable(STRING),
        "feedbackUrl": STRING,
        "callbackToken": STRING,
        "rank": OBJECT,
    }
)
_RESOLVE_OUTPUT = obj(
    {
        "resolveId": {"type": "string", "format": "uuid"},
        "resolvedAt": STRING,
        "resolverVersion": STRING,
        "intent": STRING,
        "readAs": STRING,
        "required": _REQUIRED,
        "resolved": array(_RESOLVED),
        "ties": nullable(obj({"count": INTEGER, "orderedBy": array(STRING)})),
        "noMatch": nullable(STRING),
    }
)
_FEEDBACK_INPUT = obj(
    {
        "resolveId": {"type": "string", "format": "uuid"},
        "slug": {"type": "string", "minLength": 1},
        "callbackToken": {"type": "string", "minLength": 1, "maxLength": 200},
        "outcome": {"enum": ["success", "failure"]},
        "note": {"type": "string", "maxLength": 2000},
    },
    required=["resolveId", "slug", "callbackToken", "outcome"],
)
_FEEDBACK_OUTPUT = obj(
    {
        "recorded": {"const": True},
        "resolveId": STRING,
        "slug": STRING,
        "outcome": {"enum": ["success", "failure"]},
        "counted": {
            "type": "boolean",
            "description": "Whether this report counts toward the model's success rate: "
            "one per client and model within FEEDBACK_DEDUP_SECONDS.",
        },
    }
)


class ResolveApi(APIView):
    throttle_scope = "resolve"

    @extend_schema(
        summary="Turn a need in plain words into ranked models, or say why nothing fits",
        request={"application/json": _RESOLVE_INPUT},
        parameters=[RETRY_AFTER],
        responses={200: _RESOLVE_OUTPUT, **errors(*BODY, 429)},
    )
    def post(self, request: Request) -> Response:
        parsed = resolve_request(request.data)
        base = request.build_absolute_uri("/").rstrip("/")
        return Response(resolve(request=parsed, base_url=base, client_key=client_key(request)))


class FeedbackApi(APIView):
    throttle_scope = "feedback"

    @extend_schema(
        summary="Report whether a resolved model worked",
        description="`resolveId`, `slug` and `callbackToken` come from one result of a resolve.",
        request={"application/json": _FEEDBACK_INPUT},
        parameters=[RETRY_AFTER],
        responses={
            201: OpenApiResponse(_FEEDBACK_OUTPUT, description="Recorded."),
            **errors(*BODY, 403, 404, 409, 429),
        },
    )
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
