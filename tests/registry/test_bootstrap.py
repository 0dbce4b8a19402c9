from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from registry.importers.derive import IMPORTER_VERSION
from registry.models import Artifact, CatalogSnapshot, ProviderEndpoint
from tests.registry.test_import_catalogs import IMAGE_MODEL, MAVERICK, catalog


@pytest.fixture
def live_catalog() -> Iterator[str]:
    """A loopback HTTP server standing in for OpenRouter's /api/v1/models."""
    body = catalog(MAVERICK, IMAGE_MODEL)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/models"
    server.shutdown()
    server.server_close()


def run_bootstrap() -> list[str]:
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db(transaction=True)
def test_bootstrap_uses_the_live_catalog_when_it_answers(
    settings: Any, tmp_path: Path, live_catalog: str
) -> None:
    settings.OPENROUTER_MODELS_URL = live_catalog
    settings.CATALOG_DIR = tmp_path
    (tmp_path / "litellm_model_prices_test.json").write_text(
        json.dumps(
            {
                "groq/meta-llama/llama-4-maverick-17b-128e-instruct": {
                    "litellm_provider": "groq",
                    "mode": "chat",
                },
            }
        )
    )
    lines = run_bootstrap()
    assert lines[:3] == [
        "passports: 3 records read",
        "  created    3",
        f"OpenRouter answered live ({len(catalog(MAVERICK, IMAGE_MODEL))} bytes)",
    ]
    assert Artifact.objects.count() == 4
    assert sorted(ProviderEndpoint.objects.values_list("provider", flat=True)) == [
        "groq",
        "openrouter",
        "openrouter",
    ]
    again = run_bootstrap()
    assert again[0:2] == ["passports: 3 records read", "  unchanged  3"]
    assert again[-4].startswith(f"openrouter {live_catalog}: already imported (sha256 ")
    assert again[-3].startswith(
        f"litellm {tmp_path}/litellm_model_prices_test.json: already imported"
    )
    # The index of this unchanged registry is loaded from disk, not built again.
    assert again[-1] == lines[-1]
    assert lines[-1].startswith("matching index t") and lines[-1].endswith(" capabilities")
    assert CatalogSnapshot.objects.count() == 2
    # Catalogs imported by an older importer are imported again by this one.
    CatalogSnapshot.objects.update(importer_version=IMPORTER_VERSION - 1)
    newer = run_bootstrap()
    assert not [line for line in newer if "already imported" in line]
    assert sorted(CatalogSnapshot.objects.values_list("importer_version", flat=True)) == [
        IMPORTER_VERSION - 1,
        IMPORTER_VERSION - 1,
        IMPORTER_VERSION,
        IMPORTER_VERSION,
    ]


@pytest.mark.django_db(transaction=True)
def test_bootstrap_falls_back_to_files_when_openrouter_is_unreachable(
    settings: Any, tmp_path: Path
) -> None:
    settings.OPENROUTER_MODELS_URL = "http://127.0.0.1:9/api/v1/models"  # discard port: refused
    settings.CATALOG_DIR = tmp_path
    (tmp_path / "openrouter_models_test.json").write_bytes(catalog(IMAGE_MODEL))
    lines = run_bootstrap()
    assert lines[2] == f"OpenRouter's live API did not answer; using catalog files in {tmp_path}"
    assert lines[3] == f"openrouter {tmp_path}/openrouter_models_test.json: 1 records read"
    assert Artifact.objects.filter(slug="acme-pixel-1").exists()  # its free variant is an offer
