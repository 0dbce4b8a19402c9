from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from matching.embeddings import Embedder, get_embedder
from matching.services import index_forget


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real packaged model, loaded once for the session."""
    return get_embedder()


@pytest.fixture(autouse=True)
def _fresh_index(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MATCH_INDEX_DIR = tmp_path / "index"
    index_forget()
    yield
    index_forget()
