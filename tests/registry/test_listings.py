"""One listing per model: variants as offers, routers, `Maker: Model` names, old slugs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.importers.litellm import litellm_import
from registry.importers.openrouter import openrouter_import
from registry.listings import artifact_merge, artifact_rename
from registry.models import Artifact, ArtifactAlias, ProviderEndpoint
from registry.naming import family_of, litellm_name, offers_of, openrouter_name, pretty_model


def record(model_id: str, name: str, prompt: str = "0.000001", **more: Any) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": name,
        "created": more.pop("created", 1750000000),
        "description": more.pop("description", f"{name} does things."),
        "context_length": more.pop("context_length", 200000),
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": prompt, "completion": prompt},
        "supported_parameters": ["tools"],
        **more,
    }


OPUS = record("anthropic/claude-opus-4.7", "Anthropic: Claude Opus 4.7", created=1760000000)
OPUS_FAST = record("anthropic/claude-opus-4.7-fast", "Anthropic: Claude Opus 4.7 (Fast)", "0.00003")
OPUS_BATCH = record("anthropic/claude-opus-4.7:batch", "Anthropic: Claude Opus 4.7 (batch)")
OPUS_OLD = record("anthropic/claude-opus-4.1", "Anthropic: Claude Opus 4.1", created=1700000000)
OPUS_LATEST = record("~anthropic/claude-opus-latest", "Anthropic: Claude Opus Latest")
GPT4O = record("openai/gpt-4o", "OpenAI: GPT-4o")
GPT4O_DATED = record("openai/gpt-4o-2024-08-06", "OpenAI: GPT-4o (2024-08-06)")
FREE_ONLY = record("acme/tiny-1:free", "Acme: Tiny 1 (free)", "0")
AUTO = record("openrouter/auto", "Auto Router", "-1")
FREE_ROUTER = record("openrouter/free", "Free Models Router", "0")
CATALOG = [OPUS, OPUS_FAST, OPUS_BATCH, OPUS_OLD, OPUS_LATEST, GPT4O, GPT4O_DATED, FREE_ONLY, AUTO]


def catalog(*models: Any) -> bytes:
    return json.dumps({"data": list(models)}).encode()


def test_offers_of_folds_variants_into_their_model() -> None:
    assert offers_of([*CATALOG, FREE_ROUTER]) == {
        "anthropic/claude-opus-4.7-fast": ("anthropic/claude-opus-4.7", "fast"),
        "anthropic/claude-opus-4.7:batch": ("anthropic/claude-opus-4.7", "batch"),
        "~anthropic/claude-opus-latest": ("anthropic/claude-opus-4.7", "latest"),
        "openai/gpt-4o-2024-08-06": ("openai/gpt-4o", "snapshot 2024-08-06"),
        "acme/tiny-1:free": ("acme/tiny-1", "free"),
    }


def test_latest_aliases_find_the_newest_of_their_family_across_version_numbers() -> None:
    models = [
        record("google/gemini-2.5-pro", "Google: Gemini 2.5 Pro", created=1750000000),
        record(
            "google/gemini-3.1-pro-preview", "Google: Gemini 3.1 Pro Preview", created=1770000000
        ),
        record("google/gemini-3.1-pro-preview-customtools", "Google: x", created=1780000000),
        record("~google/gemini-pro-latest", "Google Gemini Pro Latest"),
        record("moonshotai/kimi-k2.7", "MoonshotAI: Kimi K2.7", created=1770000000),
        record("moonshotai/kimi-k2", "MoonshotAI: Kimi K2", created=1740000000),
        record("~moonshotai/kimi-latest", "MoonshotAI Kimi Latest"),
    ]
    assert offers_of(models) == {
        "~google/gemini-pro-latest": ("google/gemini-3.1-pro-preview", "latest"),
        "~moonshotai/kimi-latest": ("moonshotai/kimi-k2.7", "latest"),
    }
    dated_preview = record(
        "google/gemini-2.5-pro-preview-05-06", "Google: Gemini 2.5 Pro Preview 05-06"
    )
    assert offers_of([*models, dated_preview])["google/gemini-2.5-pro-preview-05-06"] == (
        "google/gemini-2.5-pro",
        "preview 05-06",
    )


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Anthropic: Claude Opus 4.7", "anthropic/claude"),
        ("Anthropic: Claude 3.7 Sonnet", "anthropic/claude"),
        ("Meta: Llama 3.3 70B Instruct", "meta/llama"),
        ("Google: Gemini 2.5 Flash", "google/gemini"),
        ("Google: Gemma 3 27B", "google/gemma"),
        ("Meta: Muse Spark 1.1", "meta/muse"),
        ("Qwen: Qwen3 Coder 480B A35B", "qwen/qwen"),
        ("OpenAI: gpt-oss-120b", "openai/gpt"),
        ("Deepgram: Base Video (speech-to-text)", "deepgram/base"),
        ("OpenRouter: Auto Router", "openrouter/auto"),
        # A Hugging Face id: its organisation is the maker, not the family.
        ("facebook/bart-large-cnn", "facebook/bart"),
        ("facebook/detr-resnet-50", "facebook/detr"),
    ],
)
def test_family_of_drops_versions_sizes_and_variant_words(name: str, family: str) -> None:
    assert family_of(name) == family


@pytest.mark.parametrize(
    ("path", "provider", "mode", "name", "group", "named"),
    [
        (
            "sketch",
            "stability",
            "image_edit",
            "Stability AI: Sketch (image editing)",
            "stability/sketch",
            True,
        ),
        (
            "best",
            "assemblyai",
            "audio_transcription",
            "AssemblyAI: Best (speech-to-text)",
            "assemblyai/best",
            True,
        ),
        (
            "fal-ai/flux/schnell",
            "fal_ai",
            "image_generation",
            "Black Forest Labs: Flux Schnell",
            "flux/schnell",
            True,
        ),
        (
            "flux/schnell",
            "aiml",
            "image_generation",
            "Black Forest Labs: Flux Schnell",
            "flux/schnell",
            True,
        ),
        (
            "us.anthropic.claude-3-haiku-20240307-v1:0",
            "bedrock",
            "chat",
            "Anthropic: Claude 3 Haiku 20240307",
            "claude-3-haiku-20240307",
            True,
        ),
        ("openai-gpt-4o", "snowflake", "chat", "OpenAI: GPT-4o", "gpt-4o", True),
        (
            "search",
            "apiserpent",
            "search",
            "Apiserpent: Search (web search)",
            "apiserpent/search",
            False,
        ),
        ("pythia-12b", "fireworks_ai", "chat", "EleutherAI: Pythia 12B", "pythia-12b", True),
        (
            "codestral@latest",
            "vertex_ai-mistral_models",
            "chat",
            "Mistral: Codestral",
            "codestral",
            True,
        ),
        (
            "ap-south-1/deepseek.v3.2",
            "bedrock",
            "chat",
            "DeepSeek: DeepSeek V3.2",
            "deepseek-v3.2",
            True,
        ),
        (
            "black-forest-labs/FLUX.1-schnell",
            "nscale",
            "image_generation",
            "Black Forest Labs: FLUX.1 Schnell",
            "FLUX.1-schnell",
            True,
        ),
        (
            "codestral-2@001",
            "vertex_ai-mistral_models",
            "chat",
            "Mistral: Codestral 2",
            "codestral-2",
            True,
        ),
        ("qwerky-72b", "fireworks_ai", "chat", "Qwerky 72B", "qwerky-72b", False),
    ],
)
def test_litellm_names_say_maker_and_model(
    path: str, provider: str, mode: str, name: str, group: str, named: bool
) -> None:
    found = litellm_name(path=path, provider=provider, mode=mode)
    assert (found.name, found.group, found.named) == (name, group, named)


def test_openrouter_names_without_a_maker_get_the_vendors() -> None:
    makers = {"anthropic": "Anthropic"}
    assert openrouter_name("Claude Opus 5 (Fast)", "anthropic/claude-opus-5", makers) == (
        "Anthropic: Claude Opus 5"
    )
    assert (
        openrouter_name("MythoMax 13B", "gryphe/mythomax-l2-13b", makers) == "Gryphe: MythoMax 13B"
    )
    assert pretty_model("claude-3-5-haiku") == "Claude 3.5 Haiku"
    assert pretty_model("dall-e-3") == "DALL-E 3"
    assert pretty_model("gemma-7b-it") == "Gemma 7B IT"


@pytest.mark.django_db
def test_openrouter_variants_are_offers_of_one_listing(api: Any) -> None:
    summary = openrouter_import(data=catalog(*CATALOG), label="t")
    assert summary.counts["created"] == 5
    listed = api.get("/api/v1/passport?page_size=50").json()
    assert sorted(row["slug"] for row in listed["results"]) == [
        "acme-tiny-1",
        "anthropic-claude-opus-4.1",
        "anthropic-claude-opus-4.7",
        "openai-gpt-4o",
        "openrouter-auto",
    ]
    opus = Artifact.objects.get(slug="anthropic-claude-opus-4.7")
    assert (opus.name, opus.family, opus.type) == (
        "Anthropic: Claude Opus 4.7",
        "anthropic/claude",
        "model",
    )
    offers = {e.source_key: (e.variant, e.free) for e in opus.endpoints.all()}
    assert offers == {
        "anthropic/claude-opus-4.7": ("", False),
        "anthropic/claude-opus-4.7-fast": ("fast", False),
        "anthropic/claude-opus-4.7:batch": ("batch", False),
        "~anthropic/claude-opus-latest": ("latest", False),
    }
    tiny = Artifact.objects.get(slug="acme-tiny-1")
    assert tiny.name == "Acme: Tiny 1"
    assert [(e.source_key, e.variant, e.free) for e in tiny.endpoints.all()] == [
        ("acme/tiny-1:free", "free", True)
    ]
    assert Artifact.objects.get(slug="openrouter-auto").type == "router"
    document = api.get("/api/v1/passport/anthropic-claude-opus-4.7").json()["passport"]
    fast = [e for e in document["registry"]["endpoints"] if e["variant"] == "fast"]
    assert fast[0]["prompt_usd_per_1m_tokens"] == 30.0
    assert document["registry"]["aliases"] == []
    free = api.get("/api/v1/passport?free=true").json()
    assert [row["slug"] for row in free["results"]] == ["acme-tiny-1"]
    batch = api.get("/api/v1/passport?variant=batch").json()
    assert [row["slug"] for row in batch["results"]] == ["anthropic-claude-opus-4.7"]
    # Importing again changes nothing.
    again = openrouter_import(data=catalog(*CATALOG), label="t")
    assert again.counts["created"] == 0
    assert Artifact.objects.count() == 5


@pytest.mark.django_db
def test_a_variant_imported_as_a_model_before_is_merged_and_redirects(
    api: Any, client: Any
) -> None:
    # As an earlier importer left it: the variant as a listing under its own id.
    as_model = {**OPUS_BATCH, "id": "anthropic/claude-opus-4.7-batch"}
    openrouter_import(data=catalog(as_model), label="old")
    old = Artifact.objects.get(slug="anthropic-claude-opus-4.7-batch")
    Artifact.objects.filter(pk=old.pk).update(openrouter_id="anthropic/claude-opus-4.7:batch")
    ProviderEndpoint.objects.filter(artifact=old).update(
        source_key="anthropic/claude-opus-4.7:batch", variant=""
    )
    openrouter_import(data=catalog(OPUS, OPUS_BATCH), label="new")
    old.refresh_from_db()
    target = Artifact.objects.get(slug="anthropic-claude-opus-4.7", merged_into=None)
    assert old.merged_into_id == target.pk
    assert {e.source_key: e.variant for e in target.endpoints.all()} == {
        "anthropic/claude-opus-4.7": "",
        "anthropic/claude-opus-4.7:batch": "batch",
    }
    response = api.get("/api/v1/passport/anthropic-claude-opus-4.7-batch?version=1")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/passport/anthropic-claude-opus-4.7?version=1"
    page = client.get("/passports/anthropic-claude-opus-4.7-batch")
    assert (page.status_code, page["Location"]) == (301, "/passports/anthropic-claude-opus-4.7")
    verify = api.get("/api/v1/verify?slug=anthropic-claude-opus-4.7-batch")
    assert verify.status_code == 301
    assert verify["Location"] == "/api/v1/verify?slug=anthropic-claude-opus-4.7"
    document = api.get("/api/v1/passport/anthropic-claude-opus-4.7").json()["passport"]
    assert document["registry"]["aliases"] == ["anthropic-claude-opus-4.7-batch"]
    listed = api.get("/api/v1/passport").json()
    assert [row["slug"] for row in listed["results"]] == ["anthropic-claude-opus-4.7"]


@pytest.mark.django_db
def test_rename_keeps_the_old_slug_answering(api: Any) -> None:
    openrouter_import(data=catalog(GPT4O), label="t")
    artifact = Artifact.objects.get(slug="openai-gpt-4o")
    artifact_rename(artifact=artifact, slug="openai-gpt-4o-omni", name="OpenAI: GPT-4o Omni")
    assert list(ArtifactAlias.objects.values_list("slug", "reason")) == [
        ("openai-gpt-4o", "renamed")
    ]
    response = api.get("/api/v1/passport/openai-gpt-4o/versions")
    assert (response.status_code, response["Location"]) == (
        301,
        "/api/v1/passport/openai-gpt-4o-omni/versions",
    )
    document = api.get("/api/v1/passport/openai-gpt-4o-omni").json()["passport"]
    assert document["unfragile"]["artifact"]["name"] == "OpenAI: GPT-4o Omni"
    assert document["unfragile"]["artifact"]["page_url"].endswith("/passports/openai-gpt-4o-omni")
    assert document["registry"]["aliases"] == ["openai-gpt-4o"]
    assert document["version"] == 2
    with pytest.raises(Exception, match="cannot be merged into itself"):
        artifact_merge(source=artifact, target=artifact)


@pytest.mark.django_db
def test_litellm_listings_are_named_and_grouped_by_model() -> None:
    prices = {
        "stability/sketch": {"litellm_provider": "stability", "mode": "image_edit"},
        "assemblyai/best": {"litellm_provider": "assemblyai", "mode": "audio_transcription"},
        "fal_ai/bria/text-to-image/3.2": {"litellm_provider": "fal_ai", "mode": "image_generation"},
        "fal_ai/fal-ai/recraft/v3/text-to-image": {
            "litellm_provider": "fal_ai",
            "mode": "image_generation",
        },
        "aiml/flux/schnell": {"litellm_provider": "aiml", "mode": "image_generation"},
        "fal_ai/fal-ai/flux/schnell": {"litellm_provider": "fal_ai", "mode": "image_generation"},
        "fireworks_ai/qwerky-72b": {"litellm_provider": "fireworks_ai", "mode": "chat"},
        "azure_ai/model_router": {"litellm_provider": "azure_ai", "mode": "chat"},
    }
    summary = litellm_import(data=json.dumps(prices).encode(), label="t")
    rows = sorted(Artifact.objects.values_list("slug", "name", "type"))
    assert rows == [
        ("assemblyai-best", "AssemblyAI: Best (speech-to-text)", "model"),
        ("black-forest-labs-flux-schnell", "Black Forest Labs: Flux Schnell", "model"),
        ("bria-bria-text-to-image-3.2", "Bria: Bria Text to Image 3.2", "model"),
        ("model_router", "Model Router", "router"),
        ("qwerky-72b", "Qwerky 72B", "model"),
        ("recraft-recraft-v3-text-to-image", "Recraft: Recraft V3 Text to Image", "model"),
        ("stability-sketch", "Stability AI: Sketch (image editing)", "model"),
    ]
    flux = Artifact.objects.get(slug="black-forest-labs-flux-schnell")
    assert sorted(flux.endpoints.values_list("source_key", flat=True)) == [
        "aiml/flux/schnell",
        "fal_ai/fal-ai/flux/schnell",
    ]
    assert summary.unnamed == [
        {"name": "Model Router", "keys": "azure_ai/model_router"},
        {"name": "Qwerky 72B", "keys": "fireworks_ai/qwerky-72b"},
    ]
