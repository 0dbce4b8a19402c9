from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from api.throttling import SCOPES
from matching.embeddings import Embedder, get_embedder, set_embedder

REPO = Path(__file__).resolve().parent.parent
SEED_DIR = REPO / "fixtures" / "seeds"
SHARED_DATA = REPO.parent / "shared" / "data"
SEED_FILES = sorted(SEED_DIR.glob("*.passport.json"))

# Tests never reach beyond this machine: no live catalog fetch unless a test
# points it at a loopback server.
os.environ.setdefault("OPENROUTER_MODELS_URL", "")


def pytest_configure() -> None:
    from django.conf import settings

    # whitenoise warns about a static root that collectstatic has not made yet.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "core.sqlite":  # config.settings: SQLite
        # A file, not :memory:, so a real Celery worker subprocess (tests/probes) sees
        # the test database; one per pytest process, so parallel runs do not share it.
        test = database.setdefault("TEST", {})
        test["NAME"] = str(Path(tempfile.gettempdir()) / f"registry-test-{os.getpid()}.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def _signing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One key file for the session; each test's database adopts it on first signing."""
    from django.test import override_settings

    path = tmp_path_factory.mktemp("keys") / "passport-signing.jwk"
    with override_settings(
        PASSPORT_SIGNING_KEY_FILE=path,
        PASSPORT_AUTO_KEY=True,
        LOG_SIGNING_KEY_FILE=path.with_name("log-signing.jwk"),
    ):
        yield path


@pytest.fixture(autouse=True)
def _no_live_catalog(settings: Any) -> None:
    settings.OPENROUTER_MODELS_URL = ""


# The suite makes many requests from one address (127.0.0.1): rates no test reaches by
# accident. Tests of the limits set their own (tests/test_limits.py).
GENEROUS_RATES = {scope: "100000/min" for scope in SCOPES}


@pytest.fixture(autouse=True)
def _fresh_limits(settings: Any) -> Iterator[None]:
    """Each test starts with no throttle counts or sign-in failures (the shared cache is
    empty) and generous rates."""
    from django.core.cache import cache

    settings.THROTTLE_RATES = GENEROUS_RATES
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_index(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test's registry gets its own index: database ids (and so states) repeat across tests."""
    from matching.indexing import index_forget

    settings.MATCH_INDEX_DIR = tmp_path / "index"
    index_forget()
    yield
    index_forget()


def load_seed(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def seed_documents() -> dict[str, dict[str, Any]]:
    docs = {}
    for path in SEED_FILES:
        doc = load_seed(path)
        docs[doc["passport"]["unfragile"]["artifact"]["slug"]] = doc
    return docs


@pytest.fixture
def seeds(db: Any) -> list[str]:
    from registry.importers.passports import passports_import_paths

    summary = passports_import_paths(paths=[str(SEED_DIR)])
    assert dict(summary.counts) == {"created": 3}
    return sorted(load_seed(p)["passport"]["unfragile"]["artifact"]["slug"] for p in SEED_FILES)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def served(api: APIClient, slug: str, **params: Any) -> dict[str, Any]:
    """GET a passport through the API; it must answer 200."""
    response = api.get(f"/api/v1/passport/{slug}", params)
    assert response.status_code == 200, response.content
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real packaged model, loaded once for the session."""
    return get_embedder()


@pytest.fixture
def model(minilm: Embedder) -> Iterator[Embedder]:
    """The real model as the process's embedder for one test."""
    set_embedder(minilm)
    yield minilm
    set_embedder(None)


@pytest.fixture
def words(db: Any) -> Iterator[Embedder]:
    """A tiny deterministic embedder (tests/matching/listings.py) as the process's embedder."""
    from tests.matching.listings import WordEmbedder

    embedder = WordEmbedder()
    set_embedder(embedder)
    yield embedder
    set_embedder(None)
