from __future__ import annotations

from collections.abc import Iterator

import pytest

from matching.embeddings import Embedder, get_embedder, set_embedder


@pytest.fixture(scope="session")
def minilm_model() -> Embedder:
    """The real packaged model, loaded once for the session."""
    return get_embedder()


@pytest.fixture
def model(minilm_model: Embedder) -> Iterator[Embedder]:
    set_embedder(minilm_model)
    yield minilm_model
    set_embedder(None)
