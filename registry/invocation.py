"""How to call a model: a runnable snippet for one of its endpoints (unfragile's `invocation`).

`{"language", "snippet", "requires"}` plus `curl` and the endpoint it calls. The snippet is an
OpenAI-compatible chat completion with httpx, to the endpoint's base URL and model id, with the
API key read from the environment variable the endpoint names: a key is never in a snippet
(the registry never holds one). Only endpoints speaking that protocol at an http(s) base URL
can be called this way; a model with none has no invocation (None).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from typing import Any

from .models import ProviderEndpoint

PROTOCOL = "openai-chat"
PROMPT = "Say hello in one short sentence."
# A variable name a shell and Python take as it is (probes.endpoints checks it on the way in).
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


def invocable(endpoint: ProviderEndpoint) -> bool:
    return (
        endpoint.protocol == PROTOCOL
        and endpoint.base_url.startswith(("https://", "http://"))
        and (not endpoint.api_key_env or bool(ENV_NAME.match(endpoint.api_key_env)))
    )


def endpoint_choose(
    endpoints: Iterable[ProviderEndpoint], offer_id: str | None = None
) -> ProviderEndpoint | None:
    """The endpoint to show: the offer a resolve chose when it can be called, else the model
    itself (variant "") before its variants, then by provider and model id."""
    callable_ = [e for e in endpoints if invocable(e)]
    chosen = [e for e in callable_ if offer_id is not None and e.source_key == offer_id]
    ordered = sorted(callable_, key=lambda e: (e.variant != "", e.provider, e.model_name))
    first = chosen or ordered
    return first[0] if first else None


def invocation_build(endpoint: ProviderEndpoint) -> dict[str, Any]:
    """The invocation of one endpoint (caller checked `invocable`)."""
    url = endpoint.base_url.rstrip("/") + "/chat/completions"
    body = {"model": endpoint.model_name, "messages": [{"role": "user", "content": PROMPT}]}
    key_env = endpoint.api_key_env
    # json.dumps of a str is a valid Python string literal (double quotes, escapes).
    headers = (
        f'    headers={{"Authorization": "Bearer " + os.environ[{json.dumps(key_env)}]}},\n'
        if key_env
        else ""
    )
    snippet = (
        "import os\n\n"
        "import httpx\n\n"
        "response = httpx.post(\n"
        f"    {json.dumps(url)},\n"
        f"{headers}"
        f"    json={{\n"
        f'        "model": {json.dumps(endpoint.model_name)},\n'
        f'        "messages": [{{"role": "user", "content": {json.dumps(PROMPT)}}}],\n'
        "    },\n"
        "    timeout=60,\n"
        ")\n"
        "response.raise_for_status()\n"
        'print(response.json()["choices"][0]["message"]["content"])\n'
    )
    curl = (
        f"curl -sS {shlex.quote(url)} -H 'Content-Type: application/json'"
        + (f' -H "Authorization: Bearer ${key_env}"' if key_env else "")
        + f" -d {shlex.quote(json.dumps(body))}"
    )
    requires = ["Python 3 with httpx (pip install httpx)"]
    if key_env:
        requires.append(f"{key_env} set to an API key for {endpoint.provider}")
    return {
        "language": "python",
        "snippet": snippet,
        "requires": requires,
        "curl": curl,
        "endpoint": {
            "provider": endpoint.provider,
            "baseUrl": endpoint.base_url,
            "model": endpoint.model_name,
            "protocol": endpoint.protocol,
            "apiKeyEnv": key_env or None,
            "variant": endpoint.variant,
        },
    }


def invocation_of(
    endpoints: Iterable[ProviderEndpoint], offer_id: str | None = None
) -> dict[str, Any] | None:
    endpoint = endpoint_choose(endpoints, offer_id)
    return None if endpoint is None else invocation_build(endpoint)
