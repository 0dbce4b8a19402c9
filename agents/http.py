"""The MCP server over Streamable HTTP at /mcp, inside the web server's ASGI application.

The SDK's transport runs stateless with JSON answers: each POST is one JSON-RPC exchange and
nothing is kept between requests, so any web worker can answer any request (the web tier stays
stateless) and nothing streams. In front of it, the API's own rules:
- the Host header is checked against ALLOWED_HOSTS as Django checks it (this is what stops DNS
  rebinding, so the SDK's own localhost-only check is off);
- requests are throttled per client like the API (api.throttling, scope "mcp", rate
  THROTTLE_MCP; THROTTLE_ENABLED=0 turns it off), answering the API's 429 JSON with
  Retry-After.
Every tool is read-only (agents.server).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from mcp.server.transport_security import TransportSecuritySettings

from api.errors import error_body
from api.throttling import throttle_wait

from .server import build_server

PATH = "/mcp"

Scope = dict[str, Any]


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }


def _allowed_host(headers: dict[str, str]) -> bool:
    domain, _port = split_domain_port(headers.get("host", ""))
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _throttle_wait(scope: Scope, headers: dict[str, str]) -> float | None:
    """Seconds to wait when this request is over the rate; None when it may go on."""
    client = scope.get("client") or ("", 0)
    meta = {"REMOTE_ADDR": client[0]}
    if "x-forwarded-for" in headers:
        meta["HTTP_X_FORWARDED_FOR"] = headers["x-forwarded-for"]
    # What DRF's get_ident reads of a request (header names lower-cased, as it asks for them).
    request = SimpleNamespace(META=meta, headers=headers)
    wait = throttle_wait(request, "mcp")
    return None if wait is None else float(wait)


async def _answer(send: Any, status: int, body: dict[str, Any], headers: list[Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def mcp_asgi_app() -> Any:
    """The ASGI app serving PATH (and the lifespan the SDK's session manager needs)."""
    sdk_app = build_server().streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        # A whole passport (verify_passport) and the JSON-RPC around it.
        max_request_body_size=settings.PASSPORT_MAX_BYTES + 64 * 1024,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = _headers(scope)
            if not _allowed_host(headers):
                await _answer(send, 400, error_body("bad_request", "bad request: Host"), [])
                return
            wait = await sync_to_async(_throttle_wait, thread_sensitive=False)(scope, headers)
            if wait is not None:
                message = f"Request was throttled. Expected available in {int(wait)} seconds."
                await _answer(
                    send,
                    429,
                    error_body("throttled", message),
                    [(b"retry-after", str(int(wait)).encode())],
                )
                return
            if scope["method"] != "POST":
                # Stateless: no stream to GET, no session to DELETE (the spec's 405).
                await _answer(
                    send,
                    405,
                    error_body("method_not_allowed", f"{PATH} takes POST (JSON-RPC) only"),
                    [(b"allow", b"POST")],
                )
                return
        await sdk_app(scope, receive, send)

    return app
