from __future__ import annotations

import pytest

from matching.embeddings import Embedder, get_embedder


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real packaged model, loaded once for the session."""
    return get_embedder()
