from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .provider import Provider, running_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as server:
        yield server


@pytest.fixture(autouse=True)
def _fast_probes(settings: Any, tmp_path: Path) -> None:
    """Short waits, no rate limit unless a test sets one, a var/ of its own.

    The stand-in provider listens on 127.0.0.1 over plain http, which a probe may
    call only when PROBE_ALLOW_LOOPBACK is on: it is on here, explicitly, and
    tests/probes/test_egress.py turns it off to show loopback is refused then.
    The key variables the tests name are allowed beside the default."""
    settings.VAR_DIR = tmp_path
    settings.PROBE_BACKOFF_SECONDS = 0.01
    settings.PROBE_BACKOFF_CAP_SECONDS = 5
    settings.PROBE_READ_TIMEOUT = 5
    settings.PROBE_CONNECT_TIMEOUT = 2
    settings.PROBE_RATE_PER_SECOND = 0
    settings.PROBE_MAX_ATTEMPTS = 3
    settings.PROBE_BREAKER_THRESHOLD = 5
    settings.PROBE_LONG_CONTEXT_TOKENS = 300
    settings.PROBE_ALLOW_LOOPBACK = True
    settings.PROBE_KEY_ENVS = [
        "OPENROUTER_API_KEY",
        "PROBE_TEST_KEY",
        "PROBE_TEST_UNSET_KEY",
        "MY_KEY",
    ]


def add_endpoint(slug: str, provider: Provider, model: str, **kwargs: Any) -> Any:
    from probes.endpoints import endpoint_upsert

    endpoint, _created = endpoint_upsert(
        slug=slug, base_url=provider.url, model=model, provider=kwargs.pop("name", model), **kwargs
    )
    return endpoint
