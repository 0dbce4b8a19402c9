"""Passport documents for models a catalog lists: capabilities from stated facts only.

A catalog says what goes in and out, which parameters a model takes and how
long its context is; each capability below follows from one of those facts,
and its limitations say what the catalog states, nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from ..modalities import TEXT_OUTPUTS, normalise_modality, ordered

PER_MILLION = Decimal(1_000_000)
LONG_CONTEXT_TOKENS = 200_000


# Bumped when the rules that turn a catalog entry into a passport change; a
# catalog imported by an older version is imported again (registry.CatalogSnapshot).
# 2: capabilities answered in text (understanding an input, tools, JSON,
#    reasoning) only for models that give text.
IMPORTER_VERSION = 2


@dataclass
class CatalogFacts:
    """What one catalog entry states about a model."""

    name: str
    description: str = ""
    context_length: int | None = None
    max_output_tokens: int | None = None
    input_modalities: list[str] = field(default_factory=lambda: ["text"])
    output_modalities: list[str] = field(default_factory=lambda: ["text"])
    prompt_price: str = ""  # USD per token, as given
    completion_price: str = ""
    features: list[str] = field(default_factory=list)  # tools, structured_outputs, reasoning
    open_weights: bool | None = None
    hugging_face_id: str = ""
    release_date: datetime | None = None
    supported_parameters: list[str] = field(default_factory=list)


def per_million(price: str | float | int | None) -> Decimal | None:
    """USD per token (as a catalog gives it) -> USD per 1M tokens; None when unknown or negative."""
    if price is None or price == "":
        return None
    try:
        value = Decimal(str(price))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    return (value * PER_MILLION).quantize(Decimal("0.000001"))


def price_text(price: str | float | int) -> str:
    """As JavaScript's toExponential(2) writes it, the way the published passports do: 1.50e-7."""
    text = f"{float(price):.2e}"
    mantissa, exponent = text.split("e")
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"


def slug_from_id(model_id: str) -> str:
    """OpenRouter's id with '/' (and anything else a slug cannot hold) replaced by '-'."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", model_id.strip().lower()).strip("-.")
    return slug[:200]


def modalities(values: Any, vocabulary: tuple[str, ...]) -> list[str]:
    found = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str):
            name = normalise_modality(value) or value.strip().lower()
            found.append(name)
    return ordered(found, vocabulary)


_CATEGORY = {
    "text": "text-generation-language",
    "image": "image-visual",
    "audio": "audio-speech",
    "video": "video-multimodal",
    "file": "data-processing-analysis",
    "embeddings": "search-retrieval",
}


def _capability(
    *,
    name: str,
    description: str,
    intents: list[str],
    best_for: list[str],
    limitations: list[str],
    requires: list[str],
    input_types: list[str],
    output_types: list[str],
    categories: list[str],
) -> dict[str, Any]:
    return {
        "uri": "capability://" + ".".join(re.findall(r"[a-z0-9]+", name.lower())),
        "name": name,
        "description": description,
        "intents": intents,
        "best_for": best_for,
        "limitations": limitations,
        "requires": requires,
        "input_types": input_types,
        "output_types": output_types,
        "categories": categories,
        # Derived from a catalog, not curated: lower confidence than a reviewed passport.
        "confidence": 0.3,
        "matches": 0,
        "success_rate": 0,
    }


def catalog_capabilities(facts: CatalogFacts, *, provider: str) -> list[dict[str, Any]]:
    """Capabilities that follow from a catalog's stated facts, most general first."""
    model = facts.name
    ins, outs = facts.input_modalities, facts.output_modalities
    requires = [f"{provider} API key", "HTTP client for the provider's API"]
    context_note = (
        [f"Context window of {facts.context_length:,} tokens as stated by the catalog"]
        if facts.context_length
        else ["Context window not stated by the catalog"]
    )
    output_note = (
        [f"Output limited to {facts.max_output_tokens:,} tokens per request"]
        if facts.max_output_tokens
        else []
    )
    text_only_out = outs == ["text"]
    # Understanding an input, tool calls, JSON and reasoning are all answered in
    # text: a model that only makes images (OpenRouter lists structured_outputs
    # for some) has none of those capabilities.
    answers_in_text = bool(TEXT_OUTPUTS & set(outs))
    caps: list[dict[str, Any]] = []
    summary = facts.description.strip() or f"{model} as listed by {provider}."

    if "text" in outs:
        caps.append(
            _capability(
                name="general chat and text generation",
                description=summary,
                intents=[
                    "I need an assistant that answers questions and drafts text",
                    "I want to summarize, rewrite or translate text",
                    "I need a model for multi-turn conversation in my product",
                ],
                best_for=[
                    "applications that need a general-purpose language model behind an API",
                    "teams comparing models on price and context length",
                ],
                limitations=context_note
                + output_note
                + (["Text output only"] if text_only_out else []),
                requires=requires,
                input_types=[f"{m}" for m in ins],
                output_types=["text"],
                categories=["text-generation-language"],
            )
        )
    if "image" in ins and answers_in_text:
        caps.append(
            _capability(
                name="image understanding and visual question answering",
                description=f"{model} accepts images alongside text and answers about them.",
                intents=[
                    "I need to ask questions about a photo or a screenshot",
                    "I want to pull text and fields out of images of documents",
                    "I need charts and diagrams described in words",
                ],
                best_for=["document and screenshot processing", "visual question answering"],
                limitations=["Image input as stated by the catalog; quality not yet measured"]
                + context_note,
                requires=requires + ["Images sent as base64 or URLs"],
                input_types=["image", "text"],
                output_types=[m for m in outs if m != "embeddings"] or ["text"],
                categories=["image-visual", "text-generation-language"],
            )
        )
    if "audio" in ins and answers_in_text:
        caps.append(
            _capability(
                name="audio understanding and transcription",
                description=f"{model} accepts audio input.",
                intents=[
                    "I need spoken audio turned into text",
                    "I want to answer questions about a recording",
                ],
                best_for=["speech-to-text pipelines", "voice assistants"],
                limitations=["Audio input as stated by the catalog; accuracy not yet measured"],
                requires=requires + ["Audio files in a format the provider accepts"],
                input_types=["audio"],
                output_types=["text"],
                categories=["audio-speech"],
            )
        )
    if "video" in ins and answers_in_text:
        caps.append(
            _capability(
                name="video understanding",
                description=f"{model} accepts video input.",
                intents=[
                    "I need a video clip summarized",
                    "I want to ask what happens in a video",
                ],
                best_for=["video summarization and search"],
                limitations=["Video input as stated by the catalog; length limits not stated"],
                requires=requires + ["Video uploads the provider accepts"],
                input_types=["video"],
                output_types=["text"],
                categories=["video-multimodal"],
            )
        )
    if "file" in ins and answers_in_text:
        caps.append(
            _capability(
                name="document and PDF understanding",
                description=f"{model} accepts files such as PDFs as input.",
                intents=[
                    "I need answers from a PDF report",
                    "I want to extract tables and fields from uploaded documents",
                ],
                best_for=["contract and report review", "document question answering"],
                limitations=["File input as stated by the catalog"] + context_note,
                requires=requires + ["Files sent in a format the provider accepts"],
                input_types=["file", "text"],
                output_types=["text"],
                categories=["data-processing-analysis"],
            )
        )
    if "image" in outs:
        caps.append(
            _capability(
                name="image generation",
                description=f"{model} produces images.",
                intents=[
                    "I need pictures created from a text prompt",
                    "I want illustrations or product shots generated",
                ],
                best_for=["creative tools", "marketing imagery"],
                limitations=["Image output as stated by the catalog; quality not yet measured"],
                requires=requires,
                input_types=[m for m in ins if m != "audio"] or ["text"],
                output_types=["image"],
                categories=["image-visual"],
            )
        )
    if "audio" in outs:
        caps.append(
            _capability(
                name="speech and audio generation",
                description=f"{model} produces audio.",
                intents=["I need text read aloud as natural speech", "I want generated audio"],
                best_for=["voice interfaces", "narration"],
                limitations=["Audio output as stated by the catalog"],
                requires=requires,
                input_types=["text"],
                output_types=["audio"],
                categories=["audio-speech"],
            )
        )
    if "video" in outs:
        caps.append(
            _capability(
                name="video generation",
                description=f"{model} produces video.",
                intents=["I need a short video generated from a prompt"],
                best_for=["creative video tools"],
                limitations=["Video output as stated by the catalog"],
                requires=requires,
                input_types=[m for m in ins if m in ("text", "image")] or ["text"],
                output_types=["video"],
                categories=["video-multimodal"],
            )
        )
    if "embeddings" in outs:
        caps.append(
            _capability(
                name="text embeddings for search and retrieval",
                description=f"{model} turns text into vectors for semantic search.",
                intents=[
                    "I need vectors for semantic search over my documents",
                    "I want to cluster or deduplicate texts by meaning",
                ],
                best_for=["retrieval-augmented generation", "semantic search"],
                limitations=["Produces vectors, not text"] + context_note,
                requires=requires,
                input_types=["text"],
                output_types=["embeddings"],
                categories=["search-retrieval"],
            )
        )
    if "tools" in facts.features and answers_in_text:
        caps.append(
            _capability(
                name="tool and function calling",
                description=f"{model} accepts tool definitions and returns structured calls.",
                intents=[
                    "I need the model to call my functions and APIs",
                    "I want an agent that picks tools to complete a task",
                ],
                best_for=["agents", "API orchestration"],
                limitations=["Tool support as stated by the catalog; not yet probed"],
                requires=requires + ["Tool schemas in the provider's function-calling format"],
                input_types=["text"],
                output_types=["structured text (tool calls)"],
                categories=["tool-use-integration"],
            )
        )
    if "structured_outputs" in facts.features and answers_in_text:
        caps.append(
            _capability(
                name="structured JSON output",
                description=f"{model} can be constrained to a JSON schema or JSON mode.",
                intents=[
                    "I need answers as valid JSON with fixed keys",
                    "I want data extraction that returns a schema I define",
                ],
                best_for=["data extraction pipelines", "form filling"],
                limitations=["Structured output as stated by the catalog; not yet probed"],
                requires=requires + ["A JSON schema or response_format setting"],
                input_types=["text"],
                output_types=["structured text (JSON)"],
                categories=["data-processing-analysis"],
            )
        )
    if "reasoning" in facts.features and answers_in_text:
        caps.append(
            _capability(
                name="step-by-step reasoning",
                description=f"{model} can think before answering (reasoning mode).",
                intents=[
                    "I need hard math or logic problems worked through",
                    "I want careful multi-step planning before an answer",
                ],
                best_for=["analysis", "planning", "coding problems"],
                limitations=["Reasoning tokens add latency and cost"],
                requires=requires,
                input_types=["text"],
                output_types=["text"],
                categories=["planning-reasoning"],
            )
        )
    if facts.context_length and facts.context_length >= LONG_CONTEXT_TOKENS and "text" in outs:
        caps.append(
            _capability(
                name="long-context document processing",
                description=(
                    f"{model} takes up to {facts.context_length:,} tokens in one request."
                ),
                intents=[
                    "I need whole books or long contracts read in one request",
                    "I want to ask questions across a very large codebase or report",
                ],
                best_for=["long document analysis", "large codebase questions"],
                limitations=context_note,
                requires=requires,
                input_types=["text"],
                output_types=["text"],
                categories=["memory-knowledge"],
            )
        )
    if not caps:
        caps.append(
            _capability(
                name="model inference",
                description=summary,
                intents=[f"I need {model} through an API"],
                best_for=["teams already using this provider"],
                limitations=["The catalog states no modalities for this model"],
                requires=requires,
                input_types=ins,
                output_types=outs,
                categories=["deployment-infra"],
            )
        )
    return caps


def catalog_document(
    *,
    artifact_id: str,
    slug: str,
    facts: CatalogFacts,
    provider: str,
    vendor: str,
    url: str | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """An unfragile document for a model the registry knows only from a catalog."""
    base = settings.PUBLIC_BASE_URL
    prompt = per_million(facts.prompt_price)
    completion = per_million(facts.completion_price)
    free = prompt == 0 and (completion is None or completion == 0)
    capabilities = catalog_capabilities(facts, provider=provider)
    for position, cap in enumerate(capabilities):
        cap["id"] = f"{artifact_id}__cap_{position}"
    primary = _CATEGORY.get((facts.output_modalities or ["text"])[0], "llm-apis")
    tags = [vendor, "api-access", *facts.input_modalities]
    if facts.open_weights:
        tags.append("open-weights")
    stamp = as_of.strftime("%Y-%m-%dT%H:%M:%S.000Z") if as_of else None
    return {
        "@version": "1.0",
        "version": as_of.strftime("%Y-%m") if as_of else "",
        "artifact": {
            "id": artifact_id,
            "slug": slug,
            "name": facts.name,
            "type": "model",
            "url": url,
            "page_url": f"{base}/passports/{slug}",
            "categories": [primary],
            "tags": list(dict.fromkeys(t for t in tags if t)),
            "pricing": {
                "model": "free" if free else ("paid" if prompt is not None else "unknown"),
                "free": free,
                "starting_price": (
                    f"${price_text(facts.prompt_price)} per prompt token"
                    if prompt is not None
                    else None
                ),
            },
            "status": "active",
            "verified": False,
        },
        "capabilities": capabilities,
        "trust": {
            "maintenance": {
                "status": "active",
                "updated_at": stamp,
                "last_scraped_at": stamp,
                "last_commit": None,
            },
        },
        "distribution": {
            "claim_url": f"{base}/submit?claim={slug}",
            "compare_url": f"{base}/compare?artifact={slug}",
        },
    }
