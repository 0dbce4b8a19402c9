"""`invocation` in resolve results and on the passport page: a snippet that really runs."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from registry.invocation import endpoint_choose, invocation_build, invocation_of
from registry.models import ProviderEndpoint
from tests.probes.provider import running_provider

SCOUT = "meta-llama-llama-4-scout"
KEY_ENV = "REGISTRY_TEST_PROVIDER_KEY"
SCOUT_CAPABILITY = "Llama 4 Scout 17B parameters from a 109B parameter pool"


@pytest.fixture(autouse=True)
def _loopback_provider(settings: Any) -> None:
    """The stand-in provider is on 127.0.0.1 over http and keyed by KEY_ENV: both allowed
    here only (probes.egress refuses them by default)."""
    settings.PROBE_ALLOW_LOOPBACK = True
    settings.PROBE_KEY_ENVS = ["OPENROUTER_API_KEY", KEY_ENV]


def endpoint(**fields: Any) -> ProviderEndpoint:
    values = {
        "provider": "loopback",
        "model_name": "meta-llama/llama-4-scout",
        "base_url": "http://127.0.0.1:8001/v1/",
        "api_key_env": "OPENROUTER_API_KEY",
        "protocol": "openai-chat",
        "source_key": "loopback:scout",
        "variant": "",
    }
    values.update(fields)
    return ProviderEndpoint(**values)


def test_invocation_calls_the_endpoint_with_the_key_from_its_variable() -> None:
    assert invocation_build(endpoint()) == {
        "language": "python",
        "snippet": (
            "import os\n\nimport httpx\n\nresponse = httpx.post(\n"
            '    "http://127.0.0.1:8001/v1/chat/completions",\n'
            '    headers={"Authorization": "Bearer " + os.environ["OPENROUTER_API_KEY"]},\n'
            "    json={\n"
            '        "model": "meta-llama/llama-4-scout",\n'
            '        "messages": [{"role": "user", "content": "Say hello in one short sentence."}],\n'
            "    },\n    timeout=60,\n)\nresponse.raise_for_status()\n"
            'print(response.json()["choices"][0]["message"]["content"])\n'
        ),
        "requires": [
            "Python 3 with httpx (pip install httpx)",
            "OPENROUTER_API_KEY set to an API key for loopback",
        ],
        "curl": (
            "curl -sS http://127.0.0.1:8001/v1/chat/completions -H 'Content-Type: "
            'application/json\' -H "Authorization: Bearer $OPENROUTER_API_KEY" -d \'{"model": '
            '"meta-llama/llama-4-scout", "messages": [{"role": "user", "content": "Say hello '
            "in one short sentence.\"}]}'"
        ),
        "endpoint": {
            "provider": "loopback",
            "baseUrl": "http://127.0.0.1:8001/v1/",
            "model": "meta-llama/llama-4-scout",
            "protocol": "openai-chat",
            "apiKeyEnv": "OPENROUTER_API_KEY",
            "variant": "",
        },
    }


def test_invocation_quotes_what_it_does_not_control() -> None:
    tricky = endpoint(model_name='m"; import shutil #', api_key_env="")
    snippet = invocation_build(tricky)["snippet"]
    assert '"model": "m\\"; import shutil #",' in snippet
    assert "Authorization" not in snippet
    compile(snippet, "<snippet>", "exec")


@pytest.mark.parametrize(
    ("fields", "callable_"),
    [
        ({}, True),
        ({"protocol": "anthropic"}, False),
        ({"base_url": ""}, False),
        ({"base_url": "ftp://host/v1"}, False),
        ({"api_key_env": "not a name; rm -rf /"}, False),
    ],
)
def test_only_openai_compatible_http_endpoints_are_invoked(
    fields: dict[str, Any], callable_: bool
) -> None:
    assert (invocation_of([endpoint(**fields)]) is not None) == callable_


def test_the_chosen_offer_wins_then_the_model_itself() -> None:
    model = endpoint(source_key="a", provider="zeta")
    batch = endpoint(source_key="b", provider="alpha", variant="batch")
    assert endpoint_choose([batch, model]) is model
    assert endpoint_choose([batch, model], offer_id="b") is batch
    assert endpoint_choose([batch, model], offer_id="gone") is model
    assert endpoint_choose([]) is None


def run_snippet(snippet: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, KEY_ENV: key}
    return subprocess.run(
        [sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.django_db
def test_a_seed_resolve_result_snippet_gets_an_answer(
    seeds: list[str], words: Any, api: Any
) -> None:
    from probes.endpoints import endpoint_upsert

    with running_provider(default="echo_key_ok") as provider:
        endpoint_upsert(
            slug=SCOUT,
            base_url=provider.url,
            model="llama-4-scout-loopback",
            api_key_env=KEY_ENV,
            provider="loopback",
        )
        answer = api.post(
            "/api/v1/resolve",
            {"intent": SCOUT_CAPABILITY, "limit": 1},
            format="json",
        ).json()
        result = answer["resolved"][0]
        assert result["artifact"]["slug"] == SCOUT
        invocation = result["invocation"]
        assert invocation["endpoint"]["model"] == "llama-4-scout-loopback"
        assert "sk-test-" not in invocation["snippet"]
        ran = run_snippet(invocation["snippet"], key="sk-test-0123")
        assert (ran.returncode, ran.stdout, ran.stderr) == (
            0,
            "? (you sent Bearer sk-test-0123)\n",
            "",
        )
        assert [(seen.model, seen.authorization) for seen in provider.requests] == [
            ("llama-4-scout-loopback", "Bearer sk-test-0123")
        ]


@pytest.mark.django_db
def test_the_passport_page_shows_the_invocation(seeds: list[str], client: Any) -> None:
    from probes.endpoints import endpoint_upsert

    endpoint_upsert(
        slug=SCOUT,
        base_url="http://127.0.0.1:9/v1",
        model="scout-local",
        api_key_env=KEY_ENV,
        provider="loopback",
    )
    html = client.get(f"/passports/{SCOUT}").content.decode()
    assert (
        '<pre class="code" tabindex="0" id="invocation-snippet">import os\n\nimport httpx\n\n'
        "response = httpx.post(\n    &quot;http://127.0.0.1:9/v1/chat/completions&quot;,"
    ) in html
    assert f"{KEY_ENV} set to an API key for loopback" in html
