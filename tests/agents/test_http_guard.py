"""What stands in front of the SDK at /mcp: the Host check and the API's throttle."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import time_machine
from django.core.cache import cache

from agents.http import mcp_asgi_app


def send(method: str, host: str = "127.0.0.1", n: int = 1) -> list[httpx.Response]:
    app = mcp_asgi_app()

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            return [await client.request(method, "/mcp") for _ in range(n)]

    return asyncio.run(go())


def test_a_host_django_would_refuse_is_refused(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    [response] = send("GET", host="rebinding.example")
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "bad_request", "message": "bad request: Host"}},
    )


@pytest.mark.parametrize(("enabled", "statuses"), [(True, [405, 405, 429]), (False, [405] * 3)])
def test_the_mcp_scope_is_throttled_like_the_api(
    settings: Any, enabled: bool, statuses: list[int]
) -> None:
    cache.clear()
    settings.THROTTLE_ENABLED = enabled
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "mcp": "2/min"}
    # The clock stands still: the window is a whole minute from the first request.
    with time_machine.travel(1_800_000_000, tick=False):
        responses = send("GET", n=3)
    assert [r.status_code for r in responses] == statuses
    if enabled:
        assert responses[2].headers["retry-after"] == "60"
        assert responses[2].json() == {
            "error": {
                "code": "throttled",
                "message": "Request was throttled. Expected available in 60 seconds.",
            }
        }
