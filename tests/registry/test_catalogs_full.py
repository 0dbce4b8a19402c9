"""Every real catalog in shared/data imported the way `make run` does it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.test import override_settings

from passports.schema import validate
from passports.services import published_keys
from passports.signing import verify_document
from registry.models import Artifact, ArtifactFacet, ProviderEndpoint
from registry.naming import offers_of
from tests.conftest import SEED_FILES, SHARED_DATA, load_seed

pytestmark = [pytest.mark.catalogs, pytest.mark.django_db]
NOT_MODELS = {
    "sample_spec",
    "fallback_generalizations",
    "last_updated",
    "fireworks_ai/accounts/fireworks/models/",
}


@pytest.fixture(scope="module")
def full_registry(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    assert SHARED_DATA.is_dir(), (
        f"{SHARED_DATA} is missing: the catalogs ship beside the repository"
    )
    with (
        django_db_blocker.unblock(),
        override_settings(CATALOG_DIR=SHARED_DATA, OPENROUTER_MODELS_URL=""),
    ):
        out = StringIO()
        call_command("bootstrap", stdout=out)
        yield out.getvalue().splitlines()
        # The bootstrap above committed (outside any test's transaction): every row it
        # wrote goes, as after a transactional test. Deleting only the artifacts and the
        # log left the adopted signing key behind, so the next bootstrap in the session
        # found its key event missing from the log and appended it first.
        call_command("flush", interactive=False, verbosity=0)


def test_every_catalog_record_is_accounted_for(full_registry: list[str]) -> None:
    openrouter_ids = set()
    records = []
    for path in sorted(SHARED_DATA.glob("openrouter_models_*.json")):
        records += json.loads(path.read_text())["data"]
    openrouter_ids = {model["id"] for model in records}
    assert len(openrouter_ids) == 700
    # Every OpenRouter id is an offer; variants are offers of their model's one listing.
    offers = offers_of(records)
    variants = dict(
        ProviderEndpoint.objects.filter(source="openrouter")
        .exclude(variant="")
        .values_list("source_key", "artifact__openrouter_id")
    )
    assert variants == {key: model for key, (model, _variant) in offers.items()}
    assert (
        set(
            ProviderEndpoint.objects.filter(source="openrouter").values_list(
                "source_key", flat=True
            )
        )
        == openrouter_ids
    )
    assert set(
        Artifact.objects.filter(merged_into=None)
        .exclude(openrouter_id="")
        .values_list("openrouter_id", flat=True)
    ) == {offers.get(model_id, (model_id, ""))[0] for model_id in openrouter_ids}
    litellm_keys = set(
        json.loads(next(SHARED_DATA.glob("litellm_model_prices_*.json")).read_text())
    )
    endpoints = set(
        ProviderEndpoint.objects.filter(source="litellm").values_list("source_key", flat=True)
    )
    assert endpoints | NOT_MODELS == litellm_keys
    assert not endpoints & NOT_MODELS
    # One listing per model: 1,591 listings before variants became offers (issue 13); one
    # listing of the 2026-01 snapshot (a preview, released by 2026-08) is merged, not listed.
    assert Artifact.objects.count() == 1441
    assert list(
        Artifact.objects.exclude(merged_into=None).values_list("slug", "merged_into__slug")
    ) == [("google-gemini-3-pro-image-preview", "google-gemini-3-pro-image")]


def test_summary_lines_add_up(full_registry: list[str]) -> None:
    litellm = full_registry[
        full_registry.index(next(line for line in full_registry if line.startswith("litellm "))) :
    ]
    assert litellm[:3] == [
        f"litellm {next(SHARED_DATA.glob('litellm_model_prices_*.json'))}: 2985 records read",
        "  endpoint   2981",
        "  rejected   4",
    ]


def test_seeds_keep_their_text_and_carry_catalog_facts(full_registry: list[str], api: Any) -> None:
    for path in SEED_FILES:
        seed = load_seed(path)["passport"]["unfragile"]
        document = api.get(f"/api/v1/passport/{seed['artifact']['slug']}").json()
        assert document["passport"]["unfragile"] == seed
    maverick = Artifact.objects.get(openrouter_id="meta-llama/llama-4-maverick")
    assert maverick.slug == "meta-llama-llama-4-maverick"
    assert (maverick.context_length, maverick.input_modalities) == (1048576, ["text", "image"])
    assert (maverick.prompt_price_per_1m, maverick.completion_price_per_1m) == (
        Decimal("0.2"),
        Decimal("0.8"),
    )
    scout = Artifact.objects.get(openrouter_id="meta-llama/llama-4-scout")
    assert (scout.slug, scout.context_length, scout.prompt_price_per_1m) == (
        "meta-llama-llama-4-scout",
        1310720,
        Decimal("0.1"),
    )
    # Providers serving Maverick are its endpoints, not artifacts of their own.
    providers = set(maverick.endpoints.values_list("provider", flat=True))
    assert {"openrouter", "groq", "novita", "lambda_ai", "oci", "vercel_ai_gateway"} <= providers
    assert not Artifact.objects.filter(source="litellm", slug__contains="llama-4-maverick").exists()


def test_filters_and_ordering_over_all_catalogs(full_registry: list[str], api: Any) -> None:
    def all_rows(**params: Any) -> list[dict[str, Any]]:
        rows, page = [], 1
        while True:
            response = api.get("/api/v1/passport", {"page_size": 100, "page": page, **params})
            assert response.status_code == 200
            body = response.json()
            rows += body["results"]
            if not body["next"]:
                return rows
            page += 1

    image = all_rows(input_modality="image")
    assert (
        len(image)
        == ArtifactFacet.objects.filter(
            kind="input_modality", value="image", artifact__merged_into=None
        ).count()
    )
    assert all("image" in row["input_modalities"] for row in image)
    long = all_rows(min_context=1000000)
    assert (
        len(long) == Artifact.objects.filter(context_length__gte=1000000, merged_into=None).count()
    )
    assert all(row["context_length"] >= 1000000 for row in long)
    cheap = all_rows(max_prompt_price="0.1", ordering="prompt_price")
    prices = [row["prompt_usd_per_1m_tokens"] for row in cheap]
    assert prices == sorted(prices) and prices[-1] <= 0.1
    scores = [row["score"] for row in all_rows(ordering="-score")]
    assert len(scores) == 1440
    assert scores == sorted(scores, reverse=True)


def test_every_detail_answers_validates_and_verifies(full_registry: list[str], api: Any) -> None:
    keys = published_keys()
    latest = dict(
        Artifact.objects.filter(merged_into=None)
        .annotate(latest=Max("versions__number"))
        .values_list("slug", "latest")
    )
    outcomes = set()
    for slug, number in latest.items():
        response = api.get(f"/api/v1/passport/{slug}")
        document = response.json()
        verdict = verify_document(document, keys)
        served_latest = document["passport"]["version"] == number
        outcomes.add((response.status_code, len(validate(document)), verdict.valid, served_latest))
    assert outcomes == {(200, 0, True, True)}
    # Bootstrap imports everything, then signs once (issue 11): a seed that was
    # imported, then gained OpenRouter facts (two snapshots) and LiteLLM endpoints,
    # is served at version 1, like every other passport (it reached version 4 before).
    assert latest["meta-llama-llama-4-maverick"] == 1
    assert set(latest.values()) == {1}


def test_second_bootstrap_changes_nothing(full_registry: list[str]) -> None:
    digests = dict(Artifact.objects.values_list("slug", "content_digest"))
    out = StringIO()
    call_command("bootstrap", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["passports: 3 records read", "  unchanged  3"]
    assert [line.split(":")[1].strip().split(" (")[0] for line in lines[3:6]] == [
        "already imported"
    ] * 3
    # Same registry state, same index (rebuilt here from cached vectors: this test has its own folder).
    assert lines[6:] == full_registry[-2:]
    assert dict(Artifact.objects.values_list("slug", "content_digest")) == digests


def test_invoice_screenshots_resolve_to_image_models_only(
    full_registry: list[str], api: Any
) -> None:
    response = api.post(
        "/api/v1/resolve",
        {"intent": "read screenshots of invoices and return JSON", "limit": 20},
        format="json",
    )
    answer = response.json()
    assert answer["required"]["input_modalities"] == ["image"]
    assert answer["required"]["understood"] == ["image input (from 'screenshots')"]
    slugs = [result["artifact"]["slug"] for result in answer["resolved"]]
    assert len(slugs) == 20
    image_models = set(
        ArtifactFacet.objects.filter(kind="input_modality", value="image").values_list(
            "artifact__slug", flat=True
        )
    )
    assert set(slugs) <= image_models
    # Reading an invoice is answered in text: no image generator that merely
    # accepts images (its catalog lists structured_outputs) is among them.
    text_models = set(
        ArtifactFacet.objects.filter(kind="output_modality", value="text").values_list(
            "artifact__slug", flat=True
        )
    )
    assert set(slugs) <= text_models
