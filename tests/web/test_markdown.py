"""The passport page for agents: Markdown at /passports/<slug>.md or with Accept: text/markdown."""

from __future__ import annotations

from typing import Any

import pytest

SCOUT = "meta-llama-llama-4-scout"


@pytest.fixture
def scout_endpoint(seeds: list[str], settings: Any) -> None:
    from probes.endpoints import endpoint_upsert

    # An endpoint on 127.0.0.1 over http, keyed by a variable of its own: allowed here only.
    settings.PROBE_ALLOW_LOOPBACK = True
    settings.PROBE_KEY_ENVS = ["OPENROUTER_API_KEY", "SCOUT_LOCAL_KEY"]

    endpoint_upsert(
        slug=SCOUT,
        base_url="http://127.0.0.1:9/v1",
        model="scout-local",
        api_key_env="SCOUT_LOCAL_KEY",
        provider="loopback",
    )


def section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line]


@pytest.mark.django_db
def test_markdown_summary_has_every_part(scout_endpoint: None, client: Any) -> None:
    response = client.get(f"/passports/{SCOUT}.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert [line for line in text.splitlines() if line.startswith("#")] == [
        "# Meta: Llama 4 Scout",
        "## What it does",
        "## Limits",
        "## Trust",
        "## How to call it",
        "## How to verify it",
    ]
    assert text.splitlines()[2] == (f"`{SCOUT}` · model · trust score 24/100 · signed version 2")
    does = section(text, "## What it does")
    assert does[0].startswith(
        "- **sparse mixture-of-experts language generation with dynamic token routing**: "
        "Llama 4 Scout implements a sparse MoE architecture"
    )
    assert does[-1] == "- … and 3 more in the passport."
    assert section(text, "## Limits")[:6] == [
        "- Context: not stated",
        "- Max output: not stated",
        "- Input: text, image",
        "- Output: text",
        "- Prompt price: not stated",
        "- Completion price: not stated",
    ]
    trust = section(text, "## Trust")
    assert trust[:7] == [
        "- Score 24/100 = round(100 × Σ weight × component), from evidence "
        "(http://testserver/methodology):",
        "  - adoption: 0.05 × weight 0.35 (imported)",
        "  - quality: 0.39 × weight 0.20 (imported)",
        "  - ecosystem: 0.27 × weight 0.10 (imported)",
        "  - match_graph: 0.25 × weight 0.30 (imported)",
        "  - freshness: 0.90 × weight 0.05 (imported)",
        "- Builder verified: no",
    ]
    assert trust[9].startswith("- Signature: valid, Ed25519 key `")
    call = section(text, "## How to call it")
    assert call[:3] == [
        "Through loopback (`scout-local` at http://127.0.0.1:9/v1), OpenAI-compatible chat "
        "completions:",
        "```python",
        "import os",
    ]
    assert '    headers={"Authorization": "Bearer " + os.environ["SCOUT_LOCAL_KEY"]},' in call
    assert section(text, "## How to verify it")[1:4] == [
        "```sh",
        f"curl -s http://testserver/api/v1/passport/{SCOUT} -o {SCOUT}.json",
        f"python -m passports.verify {SCOUT}.json --jwks http://testserver/.well-known/jwks.json",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/markdown", "text/markdown; charset=utf-8"),
        ("text/markdown, text/html;q=0.5", "text/markdown; charset=utf-8"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"),
        ("*/*", "text/html; charset=utf-8"),
        ("", "text/html; charset=utf-8"),
    ],
)
def test_the_page_answers_markdown_to_who_asks(
    seeds: list[str], client: Any, accept: str, content_type: str
) -> None:
    response = client.get(f"/passports/{SCOUT}", HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"], response["Vary"]) == (
        200,
        content_type,
        "Accept",
    )


@pytest.mark.django_db
def test_markdown_without_an_endpoint_or_a_passport(seeds: list[str], client: Any) -> None:
    text = client.get(f"/passports/{SCOUT}.md").content.decode()
    assert section(text, "## How to call it") == [
        "No endpoint with an OpenAI-compatible base URL is registered for it yet."
    ]
    missing = client.get("/passports/no-such-model.md")
    assert (missing.status_code, missing["Content-Type"], missing.content.decode()) == (
        404,
        "text/markdown; charset=utf-8",
        "# Not found\n\nNo passport with slug `no-such-model`.\n",
    )
