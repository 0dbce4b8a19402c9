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
    """Short waits, no rate limit unless a test sets one, a var/ of its own."""
    settings.VAR_DIR = tmp_path
    settings.PROBE_BACKOFF_SECONDS = 0.01
    settings.PROBE_BACKOFF_CAP_SECONDS = 5
    settings.PROBE_READ_TIMEOUT = 5
    settings.PROBE_CONNECT_TIMEOUT = 2
    settings.PROBE_RATE_PER_SECOND = 0
    settings.PROBE_MAX_ATTEMPTS = 3
    settings.PROBE_BREAKER_THRESHOLD = 5
    settings.PROBE_LONG_CONTEXT_TOKENS = 300


def add_endpoint(slug: str, provider: Provider, model: str, **kwargs: Any) -> Any:
    from probes.endpoints import endpoint_upsert

    endpoint, _created = endpoint_upsert(
        slug=slug, base_url=provider.url, model=model, provider=kwargs.pop("name", model), **kwargs
    )
    return endpoint
