"""The OpenAPI document's shared parts: the error body every 4xx carries, the passport
document's JSON Schema as components, and the answers operations declare.

Views declare their own 200 bodies beside the code that builds them; what is common (the error
shape of api.errors, the 301 of a renamed listing, 429 with Retry-After) is declared here once.
The document is OpenAPI 3.1, so the passport's JSON Schema (2020-12, passports/schema.json, also
served at /schema.json) is used as it is: only its `$defs` move to `components/schemas`.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from passports.schema import document_schema

Schema = dict[str, Any]

ERROR: Schema = {"$ref": "#/components/schemas/Error"}
DOCUMENT: Schema = {"$ref": "#/components/schemas/PassportDocument"}
SUBMISSION: Schema = {"$ref": "#/components/schemas/PassportSubmission"}

_ERROR_COMPONENT: Schema = {
    "type": "object",
    "description": "Every 4xx answer of the API (api.errors): what went wrong, for machines "
    "(`code`), for people (`message`) and where (`field`: a parameter, a body member as a "
    "dotted path, or `body`).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid", "not_found", "schema"]},
                "message": {"type": "string"},
                "field": {"type": "string", "examples": ["slug", "intent", "filters.min_context"]},
                "details": {
                    "type": "array",
                    "description": "Every problem found, when there is more than one.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": ["string", "null"]},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}

# What each status means in this API; an operation declares the ones it can answer.
_MEANING = {
    301: "The listing was renamed or merged into another: `Location` is the same request under "
    "its current slug; the body is an error with code `moved`.",
    400: "A parameter or the body is invalid (not JSON, a duplicate key, a NUL, a number out of "
    "range, a wrong type): `error.field` names it.",
    401: "Authentication required, or the `Authorization` token is not valid.",
    403: "The token may not do this (not staff; an owner token for another listing; a callback "
    "token that does not match).",
    404: "No such passport, version, page or resolve: `error.field` names which.",
    409: "Conflicts with what is stored: an id another listing holds, or feedback already "
    "recorded for this callback token.",
    413: "The body is larger than 1 MiB.",
    415: "The body is not `application/json`.",
    429: "Too many requests from this client: wait `Retry-After` seconds.",
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation, each with the Error body."""
    return {
        status: OpenApiResponse(response=ERROR, description=_MEANING[status])
        for status in sorted(set(statuses))
    }


# Every operation: a bad parameter or NUL (400), a bad token (401).
READ = (400, 401)
# Every operation with a JSON body adds these.
BODY = (400, 401, 413, 415)

# Security requirements of the write operations. (extend_schema's `auth` is annotated as
# names, but drf-spectacular uses the value as it is: OpenAPI security requirement objects.)
STAFF: Any = [{"tokenAuth": []}]
STAFF_OR_OWNER: Any = [{"tokenAuth": []}, {"ownerToken": []}]

MOVED_LOCATION = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    required=True,
    response=[301],
    description="The same request under the listing's current slug.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    required=True,
    response=[429],
    description="Seconds until this client may call again.",
)
SLUG = OpenApiParameter(
    "slug",
    str,
    OpenApiParameter.PATH,
    description="The passport's slug (`unfragile.artifact.slug`).",
)
VERSION = OpenApiParameter(
    "version",
    {"anyOf": [{"type": "integer", "minimum": 1}, {"const": ""}]},
    description="A signed version number (1, 2, ...); the latest when absent or empty.",
)


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Schema], *, required: list[str] | None = None) -> Schema:
    """An object with these members, all present unless `required` says which are; members
    not listed are allowed (answers grow, never shrink)."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}
ANY: Schema = {}


def _component_name(definition: str) -> str:
    return "Passport" + definition[0].upper() + definition[1:]


def _relinked(value: Any) -> Any:
    """The passport schema with its `#/$defs/x` references pointed at components."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith("#/$defs/"):
                out[key] = "#/components/schemas/" + _component_name(item.removeprefix("#/$defs/"))
            else:
                out[key] = _relinked(item)
        return out
    if isinstance(value, list):
        return [_relinked(item) for item in value]
    return value


def passport_components() -> dict[str, Schema]:
    """PassportDocument (a served document), PassportSubmission (what a write accepts) and the
    document schema's definitions, as OpenAPI 3.1 schema components."""
    document = copy.deepcopy(document_schema())
    definitions = document.pop("$defs")
    for keyword in ("$schema", "$id"):
        document.pop(keyword, None)
    components = {_component_name(name): _relinked(schema) for name, schema in definitions.items()}
    components["PassportDocument"] = _relinked(document)
    components["PassportSubmission"] = {
        "description": "A passport document as served (its `signature`, `_links` and "
        "`warnings` are ignored), or its `unfragile` object with or without the "
        "`{'unfragile': ...}` envelope.",
        "anyOf": [
            DOCUMENT,
            obj({"unfragile": {"$ref": "#/components/schemas/PassportUnfragile"}}),
            {"$ref": "#/components/schemas/PassportUnfragile"},
        ],
    }
    return components


def add_components(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """drf-spectacular postprocessing hook: the shared components, and every declared request
    body required (no operation of ours accepts an empty one)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _ERROR_COMPONENT
    schemas.update(passport_components())
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result
