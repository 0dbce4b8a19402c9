"""Bootstrap's bulk import: what it reports while it works, and that deriving and signing
once at the end gives the registry that refreshing after every record gives."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import termios
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from core.progress import Progress
from passports.models import LogEntry, LogHead, PassportVersion
from registry.importers.litellm import litellm_import
from registry.importers.openrouter import openrouter_import
from registry.importers.passports import passports_import_paths
from registry.models import Artifact, ArtifactFacet, CatalogSnapshot, ProviderEndpoint, Trust
from registry.refresh import signing_deferred, versions_sign_pending
from tests.conftest import SEED_DIR
from tests.registry.test_import_catalogs import IMAGE_MODEL, MAVERICK, catalog

SCOUT = {
    **MAVERICK,
    "id": "meta-llama/llama-4-scout",
    "name": "Meta: Llama 4 Scout",
    "context_length": 1310720,
    "pricing": {"prompt": "0.0000001", "completion": "0.0000003"},
}
PRICES = {
    "groq/meta-llama/llama-4-maverick-17b-128e-instruct": {
        "litellm_provider": "groq",
        "mode": "chat",
        "max_input_tokens": 131072,
        "input_cost_per_token": 2e-07,
        "output_cost_per_token": 6e-07,
    },
    "acme/wordsmith-2": {
        "litellm_provider": "acme",
        "mode": "chat",
        "max_input_tokens": 8192,
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 2e-06,
    },
    "sample_spec": {"litellm_provider": "docs"},
}


def _timeless(lines: list[str]) -> list[str]:
    """The lines with their measured seconds and rates written as X: what may vary."""
    return [
        re.sub(r"\d+ texts/s", "X texts/s", re.sub(r"\d+\.\d s\b", "X s", line)) for line in lines
    ]


@pytest.mark.django_db(transaction=True)
def test_bootstrap_prints_one_line_per_step_when_stderr_is_not_a_terminal(
    settings: Any, tmp_path: Path
) -> None:
    settings.CATALOG_DIR = tmp_path
    (tmp_path / "openrouter_models_test.json").write_bytes(catalog(MAVERICK, SCOUT, IMAGE_MODEL))
    (tmp_path / "litellm_model_prices_test.json").write_text(json.dumps(PRICES))
    out, err = StringIO(), StringIO()
    call_command("bootstrap", stdout=out, stderr=err)
    assert _timeless(err.getvalue().splitlines()) == [
        "passports: 3 records, X s",
        "openrouter openrouter_models_test.json: 3 records, X s",
        "litellm litellm_model_prices_test.json: 3 records, X s",
        "signing: 6 versions, X s",
        "encoding: 269 texts, X s (index build X s: X texts/s; encoding X s: X texts/s)",
    ]
    # The report itself stays on stdout, as before.
    assert out.getvalue().splitlines()[:4] == [
        "passports: 3 records read",
        "  created    3",
        f"OpenRouter's live API did not answer; using catalog files in {tmp_path}",
        f"openrouter {tmp_path}/openrouter_models_test.json: 3 records read",
    ]
    assert "signed 6 passport versions" in out.getvalue().splitlines()

    out, err = StringIO(), StringIO()
    call_command("bootstrap", stdout=out, stderr=err)
    assert _timeless(err.getvalue().splitlines()) == [
        "passports: 3 records, X s",
        "signing: 0 versions, X s",
        "encoding: 0 texts, X s",
    ]


def test_progress_draws_a_bar_on_a_terminal_and_no_line() -> None:
    primary, secondary = os.openpty()
    # 100 columns: a fresh pseudo-terminal has none, and a bar needs room.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with open(secondary, "w", encoding="utf-8") as terminal:
        with Progress(terminal, label="openrouter x.json", unit="records") as step:
            step.total(4)
            step.advance(3)
            step.advance(1)
        terminal.flush()
        drawn = b""
        while select.select([primary], [], [], 0.5)[0]:
            drawn += os.read(primary, 4096)
    os.close(primary)
    final = [part for part in drawn.decode("utf-8").split("\r") if part.strip()][-1]
    assert final.startswith("openrouter x.json: 100%|")
    assert " 4/4 [" in final
    assert "openrouter x.json: 4 records," not in drawn.decode("utf-8")


def test_progress_writes_one_line_when_not_a_terminal() -> None:
    stream = StringIO()
    with Progress(stream, label="signing", unit="versions") as step:
        step.total(200)
        step.advance(200)
        step.done(180)
    assert _timeless(stream.getvalue().splitlines()) == ["signing: 180 versions, X s"]


def _registry() -> dict[str, Any]:
    """Everything an import derives, by slug (primary keys differ between two imports)."""
    latest = {}
    for version in PassportVersion.objects.select_related("artifact").order_by("number"):
        passport = json.loads(version.passport_json)
        for key in ("signedAt", "version", "keyId"):
            passport.pop(key)
        latest[version.artifact.slug] = (version.content_digest, passport)
    trust = {
        row.pop("artifact__slug"): row
        for row in Trust.objects.values(
            "artifact__slug",
            *(f.name for f in Trust._meta.fields if f.name not in ("id", "artifact")),
        )
    }
    return {
        "artifacts": sorted(
            Artifact.objects.values_list(
                "slug", "name", "family", "content_digest", "openrouter_id", "description"
            )
        ),
        "latest": latest,
        "trust": trust,
        "endpoints": sorted(
            ProviderEndpoint.objects.values_list(
                "artifact__slug", "source", "source_key", "variant"
            )
        ),
        "facets": sorted(ArtifactFacet.objects.values_list("artifact__slug", "kind", "value")),
    }


def _import(*, deferred: bool) -> tuple[list[dict[str, Any]], int]:
    def run() -> list[dict[str, Any]]:
        return [
            passports_import_paths(paths=[str(SEED_DIR)]).as_dict(),
            openrouter_import(data=catalog(MAVERICK, IMAGE_MODEL), label="old").as_dict(),
            openrouter_import(data=catalog(MAVERICK, SCOUT, IMAGE_MODEL), label="new").as_dict(),
            litellm_import(data=json.dumps(PRICES).encode(), label="prices").as_dict(),
        ]

    if not deferred:
        return run(), 0
    with signing_deferred():
        summaries = run()
    return summaries, versions_sign_pending()


@pytest.mark.django_db(transaction=True)
def test_deriving_and_signing_once_at_the_end_gives_the_same_registry() -> None:
    """Bootstrap's deferred import (trust, content and signature derived once, after every
    catalog) against the importers refreshing and signing after every record."""
    summaries, signed = _import(deferred=True)
    once = _registry()
    assert signed == len(once["artifacts"]) == 6
    assert set(PassportVersion.objects.values_list("number", flat=True)) == {1}
    assert LogEntry.objects.filter(kind="passport").count() == 6

    Artifact.objects.all().delete()
    CatalogSnapshot.objects.all().delete()
    LogEntry.objects.all().delete()
    LogHead.objects.all().delete()
    every_record_summaries, _ = _import(deferred=False)
    assert PassportVersion.objects.filter(number__gt=1).exists()  # signed as it went
    assert summaries == every_record_summaries
    assert _registry() == once
