"""The MCP server agents talk to: five read-only tools and one resource, built on the official
`mcp` SDK (mcp.server.mcpserver.MCPServer), with no protocol code of ours.

| tool | arguments | answers |
|---|---|---|
| `search` | `query` (2-500 chars), `limit` (1-20, 5), `type` | GET /api/v1/search's answer |
| `trust_passport` | `slug`, `version` | the signed document, its verification, its log bundle |
| `resolve_capability` | `capability` (phrase or capability:// URI, 2-500), `limit` (1-20, 5), `type`, `risk` (default, production, enterprise, strict) | POST /api/v1/resolve's answer, each result with `invocation` and `verification` |
| `verify_passport` | `document` (a served document) | POST /api/v1/verify's answer |
| `compare` | `slugs` (2-4) | the passports side by side |

Resource `passport://<slug>`: the current signed document (application/json).

A bad argument is a tool error (`isError: true`): either the SDK's input-schema check (its
text names the argument) or the registry's own check, whose text is the API's error JSON
`{"error": {"code", "message", "field"}}`. The same server runs over stdio
(`manage.py mcp`) and Streamable HTTP (`/mcp`, agents.http).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from django.db import close_old_connections
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from core.errors import ApplicationError, NotFound

from . import tools

T = TypeVar("T")

INSTRUCTIONS = (
    "A registry of signed trust passports of AI models. Use resolve_capability to turn a need "
    "into ranked models (each with a runnable invocation and its signed passport), search to "
    "find listings by name, trust_passport to fetch and check one passport, verify_passport to "
    "check a document you hold, compare to see two to four side by side."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)

Query = Annotated[str, Field(min_length=2, max_length=500, description="2 to 500 characters")]
Limit = Annotated[int, Field(ge=1, le=20, description="how many results, 1 to 20")]
ArtifactType = Annotated[
    str | None, Field(max_length=64, description="a listing type, e.g. model or router")
]
Slug = Annotated[str, Field(min_length=1, max_length=200, description="a passport's slug")]
Risk = Literal["default", "production", "enterprise", "strict"]


def _call(work: Callable[[], T]) -> T:
    """Run one tool against the database as a request would: fresh connections, and the
    project's errors as tool errors carrying the API's error JSON."""
    close_old_connections()
    try:
        return work()
    except ApplicationError as exc:
        raise ToolError(json.dumps({"error": exc.as_dict()})) from exc
    finally:
        close_old_connections()


def build_server() -> MCPServer:
    server: MCPServer = MCPServer(
        name="trust-passport-registry", instructions=INSTRUCTIONS, version="1"
    )

    @server.tool(annotations=READ_ONLY)
    def search(query: Query, limit: Limit = 5, type: ArtifactType = None) -> dict[str, Any]:  # noqa: A002 - unfragile's name
        """Find listings by name, slug, description or capability name; best text match
        first, then trust score. Same answer as GET /api/v1/search."""
        return _call(lambda: tools.search(query=query, limit=limit, artifact_type=type))

    @server.tool(annotations=READ_ONLY)
    def trust_passport(
        slug: Slug,
        version: Annotated[int | None, Field(ge=1, description="an older version")] = None,
    ) -> dict[str, Any]:
        """The signed trust passport of a listing with its verification (valid, key, latest)
        and its transparency-log bundle (entry, inclusion proof, checkpoint), which
        `python -m passports.verify` checks offline."""
        return _call(lambda: tools.trust_passport(slug=slug, version=version))

    @server.tool(annotations=READ_ONLY)
    def resolve_capability(
        capability: Annotated[
            str,
            Field(
                min_length=2,
                max_length=500,
                description="a need in plain words or a capability:// URI",
            ),
        ],
        limit: Limit = 5,
        type: ArtifactType = None,  # noqa: A002 - unfragile's name
        risk: Annotated[
            Risk,
            Field(
                description="default: any fit; production: a valid signature; enterprise: "
                "and a verified builder or passing probes; strict: and both"
            ),
        ] = "default",
    ) -> dict[str, Any]:
        """Turn a need into ranked models that fit it, each with why, its signed passport,
        whether the signature verifies, and a runnable `invocation` (or say why none fits)."""
        return _call(
            lambda: tools.resolve_capability(
                capability=capability, limit=limit, artifact_type=type, risk=risk
            )
        )

    @server.tool(annotations=READ_ONLY)
    def verify_passport(
        document: Annotated[
            dict[str, Any], Field(description="a passport document as served (or `passport`)")
        ],
    ) -> dict[str, Any]:
        """Check a passport document's Ed25519 signature against the registry's keys, and
        whether it is the latest version."""
        return _call(lambda: tools.verify_passport(document=document))

    @server.tool(annotations=READ_ONLY)
    def compare(
        slugs: Annotated[list[Slug], Field(min_length=2, max_length=4, description="2 to 4 slugs")],
    ) -> dict[str, Any]:
        """Two to four passports side by side: context, prices, modalities, trust score,
        signature; slugs not found are listed in `missing`."""
        return _call(lambda: tools.compare(slugs=slugs))

    @server.resource(
        "passport://{slug}",
        name="passport",
        description="The current signed passport document of a listing",
        mime_type="application/json",
    )
    def passport(slug: str) -> str:
        close_old_connections()
        try:
            document = tools.current_document(slug=slug)
        except NotFound as exc:
            raise ResourceNotFoundError(json.dumps({"error": exc.as_dict()})) from exc
        except ApplicationError as exc:
            raise ResourceError(json.dumps({"error": exc.as_dict()})) from exc
        finally:
            close_old_connections()
        return json.dumps(document, ensure_ascii=False)

    return server
