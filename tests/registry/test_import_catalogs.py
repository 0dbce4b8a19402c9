"""Catalog importers on small catalogs built here; the real files are in test_catalogs_full."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from registry.importers.litellm import litellm_import, normalise_name
from registry.importers.openrouter import openrouter_import
from registry.models import Artifact, Capability, ImportWarning, ProviderEndpoint

MAVERICK = {
    "id": "meta-llama/llama-4-maverick",
    "name": "Meta: Llama 4 Maverick",
    "created": 1743881822,
    "description": "Llama 4 Maverick 17B Instruct (128E) is a high-capacity multimodal language model from Meta.",
    "context_length": 1048576,
    "hugging_face_id": "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
    "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
    "pricing": {"prompt": "0.0000002", "completion": "0.0000008"},
    "top_provider": {"context_length": 1048576, "max_completion_tokens": 16384},
    "supported_parameters": ["max_tokens", "response_format", "tools"],
}
IMAGE_MODEL = {
    "id": "acme/pixel-1:free",
    "name": "Acme: Pixel 1 (free)",
    "created": 1750000000,
    "description": "Makes pictures.",
    "context_length": 32768,
    "architecture": {"input_modalities": ["text"], "output_modalities": ["image", "text"]},
    "pricing": {"prompt": "0", "completion": "0"},
    "top_provider": {"context_length": 32768, "max_completion_tokens": None},
    "supported_parameters": [],
}


def catalog(*models: Any) -> bytes:
    return json.dumps({"data": list(models)}).encode()


@pytest.mark.django_db
def test_openrouter_merges_facts_into_a_seed_and_keeps_its_text(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    summary = openrouter_import(data=catalog(MAVERICK, IMAGE_MODEL), label="t")
    assert dict(summary.counts) == {"created": 1, "updated": 1}
    maverick = Artifact.objects.get(slug="meta-llama-llama-4-maverick")
    assert Artifact.objects.filter(openrouter_id="meta-llama/llama-4-maverick").count() == 1
    assert maverick.source == "passport"
    assert maverick.context_length == 1048576
    assert maverick.input_modalities == ["text", "image"]
    assert maverick.prompt_price_per_1m == Decimal("0.2")
    assert maverick.completion_price_per_1m == Decimal("0.8")
    assert maverick.open_weights is True
    document = api.get("/api/v1/passport/meta-llama-llama-4-maverick").json()
    seed = seed_documents["meta-llama-llama-4-maverick"]["passport"]["unfragile"]
    assert document["passport"]["unfragile"] == seed
    facts = document["passport"]["registry"]["facts"]
    assert (
        facts["context_length"],
        facts["input_modalities"],
        facts["pricing"]["prompt_usd_per_1m_tokens"],
    ) == (1048576, ["text", "image"], 0.2)
    assert [(e["provider"], e["model"]) for e in document["passport"]["registry"]["endpoints"]] == [
        ("openrouter", "meta-llama/llama-4-maverick")
    ]
    # The seed says $1.50e-7 per prompt token; this catalog says 2e-7: kept, and flagged.
    assert [(w["code"], w["field"]) for w in document["warnings"]] == [
        ("fact_mismatch", "artifact.pricing.starting_price")
    ]


@pytest.mark.django_db
def test_openrouter_new_model_gets_a_derived_passport(api: Any) -> None:
    openrouter_import(data=catalog(IMAGE_MODEL), label="t")
    # Only its free variant is in the catalog: the listing is the model's, the variant its offer.
    document = api.get("/api/v1/passport/acme-pixel-1").json()
    unfragile = document["passport"]["unfragile"]
    assert unfragile["artifact"]["id"] == "openrouter-acme-pixel-1"
    assert unfragile["artifact"]["name"] == "Acme: Pixel 1"
    assert [
        (e["source_key"], e["variant"], e["free"])
        for e in document["passport"]["registry"]["endpoints"]
    ] == [("acme/pixel-1:free", "free", True)]
    assert unfragile["artifact"]["pricing"] == {
        "model": "free",
        "free": True,
        "starting_price": "$0.00e+0 per prompt token",
    }
    assert [c["name"] for c in unfragile["capabilities"]] == [
        "general chat and text generation",
        "image generation",
    ]
    assert [c["id"] for c in unfragile["capabilities"]] == [
        "openrouter-acme-pixel-1__cap_0",
        "openrouter-acme-pixel-1__cap_1",
    ]
    trust = unfragile["trust"]
    breakdown = trust["rank_breakdown"]
    weights = breakdown["weights"]
    assert trust["score"] == round(100 * sum(weights[k] * breakdown[k] for k in weights))
    assert trust["failure_modes"][-2:] == [
        "builder identity is not verified yet",
        "no observed match outcomes yet",
    ]
    assert document["warnings"] == []


@pytest.mark.django_db
def test_openrouter_is_idempotent_and_older_snapshots_do_not_win() -> None:
    newer = dict(MAVERICK, created=1786722910, context_length=2000000)
    assert dict(openrouter_import(data=catalog(newer), label="new").counts) == {"created": 1}
    digest = Artifact.objects.get().content_digest
    assert dict(openrouter_import(data=catalog(newer), label="new").counts) == {"unchanged": 1}
    assert dict(openrouter_import(data=catalog(MAVERICK), label="old").counts) == {"unchanged": 1}
    artifact = Artifact.objects.get()
    assert artifact.context_length == 2000000
    assert artifact.content_digest == digest


@pytest.mark.django_db
def test_openrouter_rejects_bad_records_and_keeps_the_rest() -> None:
    records = [
        MAVERICK,
        {"name": "no id"},
        "a string",
        dict(IMAGE_MODEL, id="acme/bad-context", context_length=-5),
        dict(IMAGE_MODEL, id="acme/bad-price", pricing={"prompt": {"x": 1}}),
        dict(IMAGE_MODEL, id="acme/ok"),
    ]
    summary = openrouter_import(data=catalog(*records), label="t")
    assert dict(summary.counts) == {"created": 2, "rejected": 4}
    assert [(r["where"], r["reason"]) for r in summary.rejected] == [
        ("data[1]", "missing id"),
        ("data[2]", "a model record must be an object"),
        ("data[3] (acme/bad-context)", "context_length must be a non-negative integer"),
        ("data[4] (acme/bad-price)", "pricing.prompt must be a number or numeric string"),
    ]
    assert sorted(Artifact.objects.values_list("slug", flat=True)) == [
        "acme-ok",
        "meta-llama-llama-4-maverick",
    ]
    whole = openrouter_import(data=b'{"models": []}', label="wrong")
    assert whole.rejected == [
        {
            "where": "wrong",
            "reason": "expected OpenRouter's {'data': [...]} (or a list of models)",
            "field": "data",
        }
    ]


LITELLM = {
    "sample_spec": {"litellm_provider": "one of ...", "mode": "one of ..."},
    "groq/meta-llama/llama-4-maverick-17b-128e-instruct": {
        "litellm_provider": "groq",
        "mode": "chat",
        "max_input_tokens": 131072,
        "max_output_tokens": 8192,
        "input_cost_per_token": 2e-07,
        "output_cost_per_token": 6e-07,
        "supports_vision": True,
        "supports_function_calling": True,
    },
    "openrouter/meta-llama/llama-4-maverick": {
        "litellm_provider": "openrouter",
        "mode": "chat",
        "input_cost_per_token": 2e-07,
    },
    "vertex_ai/meta/llama-4-maverick-17b-16e-instruct-maas": {
        "litellm_provider": "vertex_ai-llama_models",
        "mode": "chat",
        "max_input_tokens": 1000000,
    },
    "acme-embed-v2": {
        "litellm_provider": "acme",
        "mode": "embedding",
        "max_input_tokens": 8192,
        "input_cost_per_token": 1e-08,
    },
    "other/acme-embed-v2": {
        "litellm_provider": "other",
        "mode": "embedding",
        "max_input_tokens": 512,
        "input_cost_per_token": 5e-09,
    },
    "broken": "not an object",
}


@pytest.mark.django_db
def test_litellm_attaches_endpoints_and_groups_the_rest(api: Any) -> None:
    openrouter_import(data=catalog(MAVERICK), label="t")
    summary = litellm_import(data=json.dumps(LITELLM).encode(), label="t")
    assert summary.records == 7
    assert summary.counts["endpoint"] + summary.counts["rejected"] == 7
    assert [(r["where"], r["reason"]) for r in summary.rejected] == [
        ("broken", "entry must be an object"),
        ("sample_spec", "documentation placeholder describing the format, not a model"),
    ]
    rules = dict(
        ProviderEndpoint.objects.filter(source="litellm").values_list("source_key", "match_rule")
    )
    assert rules == {
        "groq/meta-llama/llama-4-maverick-17b-128e-instruct": "alias",
        "openrouter/meta-llama/llama-4-maverick": "openrouter-id",
        "vertex_ai/meta/llama-4-maverick-17b-16e-instruct-maas": "family",
        "acme-embed-v2": "own",
        "other/acme-embed-v2": "own",
    }
    assert summary.ambiguous == [
        {
            "key": "vertex_ai/meta/llama-4-maverick-17b-16e-instruct-maas",
            "reason": "attached to meta-llama-llama-4-maverick by family name; sizes or variants differ",
        }
    ]
    embed = Artifact.objects.get(slug="acme-embed-v2")
    assert (embed.context_length, embed.prompt_price_per_1m, embed.output_modalities) == (
        8192,
        Decimal("0.005"),
        ["embeddings"],
    )
    assert ProviderEndpoint.objects.filter(artifact=embed).count() == 2
    maverick = api.get("/api/v1/passport/meta-llama-llama-4-maverick").json()["passport"][
        "registry"
    ]
    assert sorted(e["provider"] for e in maverick["endpoints"]) == [
        "groq",
        "openrouter",
        "openrouter",
        "vertex_ai-llama_models",
    ]
    groq = next(e for e in maverick["endpoints"] if e["provider"] == "groq")
    assert (
        groq["context_length"],
        groq["max_output_tokens"],
        groq["prompt_usd_per_1m_tokens"],
        groq["input_modalities"],
    ) == (131072, 8192, 0.2, ["text", "image"])
    again = litellm_import(data=json.dumps(LITELLM).encode(), label="t")
    assert dict(again.counts) == {"endpoint": 5, "rejected": 2, "artifacts unchanged": 1}
    assert (
        Capability.objects.filter(artifact=embed).values_list("name", flat=True).first()
        == "text embeddings for search and retrieval"
    )
    assert ImportWarning.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("us.meta.llama3-1-405b-instruct-v1:0", "llama-3-1-405b-instruct"),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"),
        ("claude-3.5-sonnet", "claude-3-5-sonnet"),
        ("ft:gpt-4o-mini-2024-07-18:org::id", "gpt-4o-mini"),
        ("llama-4-maverick-17b-128e-instruct-fp8", "llama-4-maverick-17b-128e-instruct"),
        ("glm-4.5-air:free", "glm-4-5-air"),
    ],
)
def test_litellm_name_normalisation(name: str, normal: str) -> None:
    assert normalise_name(name) == normal


@pytest.mark.parametrize(
    ("ins", "outs", "features", "names"),
    [
        # An image generator that takes images (editing): OpenRouter lists
        # structured_outputs for some, but it answers nothing in text.
        (
            ["text", "image"],
            ["image"],
            ["structured_outputs", "tools"],
            ["image generation"],
        ),
        # A speech-to-text model states "transcription" as its output: text.
        (["audio"], ["transcription"], [], ["audio understanding and transcription"]),
        (
            ["text", "image"],
            ["text"],
            ["structured_outputs"],
            [
                "general chat and text generation",
                "image understanding and visual question answering",
                "structured JSON output",
            ],
        ),
    ],
)
def test_derived_capabilities_follow_what_the_model_gives(
    ins: list[str], outs: list[str], features: list[str], names: list[str]
) -> None:
    from registry.importers.derive import CatalogFacts, catalog_capabilities

    facts = CatalogFacts(
        name="Model", input_modalities=ins, output_modalities=outs, features=features
    )
    assert [c["name"] for c in catalog_capabilities(facts, provider="OpenRouter")] == names
