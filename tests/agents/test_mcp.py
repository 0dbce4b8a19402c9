"""The MCP server end to end with the SDK's own client, over stdio (`manage.py mcp`) and over
Streamable HTTP (/mcp on the running web server): list the tools, call each, read the passport
resource, and get the documented errors for bad arguments."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import TextResourceContents

from .conftest import REPO, server_env

SCOUT = "meta-llama-llama-4-scout"
MAVERICK = "meta-llama-llama-4-maverick"
TOOLS = ["search", "trust_passport", "resolve_capability", "verify_passport", "compare"]
CALL_SECONDS = 180


def text_of(result: Any) -> str:
    return "".join(part.text for part in result.content)


async def exercise(session: ClientSession) -> dict[str, Any]:
    """Every tool and the resource, good and bad arguments; the trust_passport answer."""
    await session.initialize()
    listed = await session.list_tools()
    assert [tool.name for tool in listed.tools] == TOOLS
    assert all(tool.annotations and tool.annotations.read_only_hint for tool in listed.tools)
    schema = {tool.name: tool.input_schema for tool in listed.tools}
    assert schema["resolve_capability"]["properties"]["risk"]["enum"] == [
        "default",
        "production",
        "enterprise",
        "strict",
    ]
    assert schema["search"]["required"] == ["query"]

    found = await session.call_tool("search", {"query": "llama", "limit": 5})
    assert found.is_error is False
    assert [m["artifact"]["slug"] for m in found.structured_content["matches"]] == [SCOUT, MAVERICK]

    passport = await session.call_tool("trust_passport", {"slug": SCOUT})
    assert passport.is_error is False
    answer = passport.structured_content
    assert answer["verification"]["valid"] is True
    assert answer["verification"]["latest"] is True
    assert answer["log"]["logged"] is True
    assert answer["document"]["passport"]["unfragile"]["artifact"]["slug"] == SCOUT
    assert answer["log"]["bundle"]["document"] == answer["document"]

    verified = await session.call_tool("verify_passport", {"document": answer["document"]})
    assert verified.is_error is False
    assert [verified.structured_content[k] for k in ("slug", "valid", "latest")] == [
        SCOUT,
        True,
        True,
    ]
    forged = json.loads(json.dumps(answer["document"]))
    forged["passport"]["unfragile"]["artifact"]["name"] = "Someone Else"
    refused = await session.call_tool("verify_passport", {"document": forged})
    assert [refused.is_error, refused.structured_content["valid"]] == [False, False]

    compared = await session.call_tool("compare", {"slugs": [SCOUT, MAVERICK, "no-such-model"]})
    assert compared.is_error is False
    assert [row["slug"] for row in compared.structured_content["passports"]] == [SCOUT, MAVERICK]
    assert compared.structured_content["missing"] == ["no-such-model"]

    resolved = await session.call_tool(
        "resolve_capability", {"capability": "read invoices from screenshots", "limit": 3}
    )
    assert resolved.is_error is False
    results = resolved.structured_content["resolved"]
    assert resolved.structured_content["required"]["input_modalities"] == ["image"]
    assert [r["artifact"]["slug"] for r in results] in ([MAVERICK], [SCOUT])
    for result in results:
        assert result["trust"]["signature"]
        assert result["trust"]["unfragile"]["artifact"]["slug"] == result["artifact"]["slug"]
        assert result["verification"] == {"valid": True, "reason": None, "version": 1}
    strict = await session.call_tool(
        "resolve_capability",
        {"capability": "read invoices from screenshots", "limit": 3, "risk": "strict"},
    )
    assert strict.structured_content["resolved"] == []
    assert (
        strict.structured_content["noMatch"]
        == "no registered model that fits qualifies at risk level strict"
    )

    resource = await session.read_resource(f"passport://{SCOUT}")
    content = resource.contents[0]
    assert isinstance(content, TextResourceContents)
    assert content.mime_type == "application/json"
    assert json.loads(content.text) == answer["document"]

    # Bad arguments: the SDK's schema check names the argument ...
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("search", {"query": "x"}, "query\n  String should have at least 2 characters"),
        (
            "search",
            {"query": "llama", "limit": 21},
            "limit\n  Input should be less than or equal to 20",
        ),
        ("resolve_capability", {"capability": "read", "risk": "wild"}, "risk\n  Input should be"),
        ("compare", {"slugs": [SCOUT]}, "slugs\n  List should have at least 2 items"),
        ("trust_passport", {}, "slug\n  Field required"),
    ]
    for tool, arguments, words in cases:
        bad = await session.call_tool(tool, arguments)
        assert bad.is_error is True
        assert words in text_of(bad)
    # ... and the registry's own check answers the API's error JSON.
    missing = await session.call_tool("trust_passport", {"slug": "no-such-model"})
    assert missing.is_error is True
    assert text_of(missing) == (
        "Error executing tool trust_passport: "
        + json.dumps(
            {
                "error": {
                    "code": "not_found",
                    "message": "no passport with slug 'no-such-model'",
                    "field": "slug",
                }
            }
        )
    )
    not_a_passport = await session.call_tool("verify_passport", {"document": {"x": 1}})
    assert not_a_passport.is_error is True
    assert '"code": "not_a_passport"' in text_of(not_a_passport)
    with pytest.raises(MCPError) as raised:
        await session.read_resource("passport://no-such-model")
    assert json.loads(raised.value.error.message)["error"]["code"] == "not_found"
    return answer


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, timeout=CALL_SECONDS))


def test_stdio_server_end_to_end(registry_dir: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["manage.py", "mcp"],
        env=server_env(registry_dir),
        cwd=str(REPO),
    )

    async def session() -> dict[str, Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            return await exercise(client)

    answer = run(session())
    assert answer["slug"] == SCOUT


def test_streamable_http_end_to_end_and_offline_check(web_server: str, tmp_path: Path) -> None:
    async def session() -> dict[str, Any]:
        async with (
            streamable_http_client(f"{web_server}/mcp") as (read, write),
            ClientSession(read, write) as client,
        ):
            return await exercise(client)

    answer = run(session())
    # The bundle verifies offline, with the keys the server publishes.
    (tmp_path / "bundle.json").write_text(json.dumps(answer["log"]["bundle"]))
    (tmp_path / "jwks.json").write_text(httpx.get(f"{web_server}/.well-known/jwks.json").text)
    log_key = httpx.get(f"{web_server}/api/v1/log").json()["verifierKey"]
    assert answer["log"]["verifierKey"] == log_key
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "passports.verify",
            str(tmp_path / "bundle.json"),
            "--jwks",
            str(tmp_path / "jwks.json"),
            "--log-key",
            log_key,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"valid: {SCOUT} version 1, logged at index ")


def test_the_web_server_still_serves_pages_and_api(web_server: str) -> None:
    llama = httpx.get(f"{web_server}/api/v1/search", params={"q": "llama", "limit": 5})
    assert llama.status_code == 200
    assert [m["artifact"]["slug"] for m in llama.json()["matches"]] == [SCOUT, MAVERICK]
    short = httpx.get(f"{web_server}/api/v1/search", params={"q": "x"})
    assert (short.status_code, short.json()) == (
        400,
        {"error": {"code": "invalid", "message": "q must be 2 to 500 characters", "field": "q"}},
    )
    page = httpx.get(f"{web_server}/passports/{SCOUT}")
    assert page.status_code == 200
    assert '<h2 id="call-h">How to call it</h2>' in page.text
    markdown = httpx.get(f"{web_server}/passports/{SCOUT}", headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("# Meta: Llama 4 Scout\n")


def test_mcp_over_http_takes_post_only(web_server: str) -> None:
    for method in ("GET", "DELETE", "PUT"):
        response = httpx.request(method, f"{web_server}/mcp", timeout=10)
        assert (response.status_code, response.headers["allow"], response.json()) == (
            405,
            "POST",
            {
                "error": {
                    "code": "method_not_allowed",
                    "message": "/mcp takes POST (JSON-RPC) only",
                }
            },
        )
