"""Passport documents for models a catalog lists: capabilities from stated facts only.

A catalog says what goes in and out, which parameters a model takes and how
long its context is; each capability follows from one of those facts (the
templates are data, in `capability_templates`), and its limitations say what
the catalog states, nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from ..modalities import TEXT_OUTPUTS, normalise_modality, ordered
from .capability_templates import (
    CONTEXT_NOT_STATED,
    CONTEXT_STATED,
    FALLBACK,
    OUTPUT_STATED,
    REQUIRES,
    SUMMARY,
    TEMPLATES,
    TEXT_ONLY,
    CapabilityTemplate,
    Note,
    Stated,
    When,
)

PER_MILLION = Decimal(1_000_000)
LONG_CONTEXT_TOKENS = 200_000


# Bumped when the rules that turn a catalog entry into a passport change; a
# catalog imported by an older version is imported again (registry.CatalogSnapshot).
# 2: capabilities answered in text (understanding an input, tools, JSON,
#    reasoning) only for models that give text.
# 3: one listing per model (variants are offers, routers `type: router`), names
#    `Maker: Model` (registry.naming).
IMPORTER_VERSION = 3


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
    """Capabilities that follow from a catalog's stated facts, most general first.

    One per template in `capability_templates.TEMPLATES` whose facts hold, in
    that order; `FALLBACK` when none does.
    """
    values: dict[str, Any] = {
        "model": facts.name,
        "provider": provider,
        "context_length": facts.context_length,
        "max_output_tokens": facts.max_output_tokens,
    }
    values["summary"] = facts.description.strip() or SUMMARY.format(**values)
    caps = [_capability_from(t, facts, values) for t in TEMPLATES if _holds(t.when, facts)]
    return caps or [_capability_from(FALLBACK, facts, values)]


def _holds(when: When, facts: CatalogFacts) -> bool:
    ins, outs = facts.input_modalities, facts.output_modalities
    # Understanding an input, tool calls, JSON and reasoning are all answered in
    # text: a model that only makes images (OpenRouter lists structured_outputs
    # for some) has none of those capabilities.
    answers_in_text = bool(TEXT_OUTPUTS & set(outs))
    long_context = bool(facts.context_length and facts.context_length >= LONG_CONTEXT_TOKENS)
    return (
        (when.input is None or when.input in ins)
        and (when.output is None or when.output in outs)
        and (when.feature is None or when.feature in facts.features)
        and (answers_in_text or not when.answers_in_text)
        and (long_context or not when.long_context)
    )


def _limitation(item: str | Note, facts: CatalogFacts) -> list[str]:
    if isinstance(item, str):
        return [item]
    if item is Note.CONTEXT:
        return [CONTEXT_STATED if facts.context_length else CONTEXT_NOT_STATED]
    if item is Note.OUTPUT:
        return [OUTPUT_STATED] if facts.max_output_tokens else []
    return [TEXT_ONLY] if facts.output_modalities == ["text"] else []


def _types(spec: tuple[str, ...] | Stated, facts: CatalogFacts) -> list[str]:
    if not isinstance(spec, Stated):
        return list(spec)
    stated = facts.input_modalities if spec.side == "input" else facts.output_modalities
    kept = [m for m in stated if m not in spec.drop and (spec.keep is None or m in spec.keep)]
    return kept or list(spec.default)


def _capability_from(
    template: CapabilityTemplate, facts: CatalogFacts, values: dict[str, Any]
) -> dict[str, Any]:
    def fill(texts: Iterable[str]) -> list[str]:
        return [text.format(**values) for text in texts]

    return _capability(
        name=template.name,
        description=template.description.format(**values),
        intents=fill(template.intents),
        best_for=fill(template.best_for),
        limitations=fill(
            line for item in template.limitations for line in _limitation(item, facts)
        ),
        requires=fill((*REQUIRES, *template.requires)),
        input_types=_types(template.input_types, facts),
        output_types=_types(template.output_types, facts),
        categories=list(template.categories),
    )


def catalog_document(
    *,
    artifact_id: str,
    slug: str,
    facts: CatalogFacts,
    provider: str,
    vendor: str,
    url: str | None,
    as_of: datetime | None,
    type: str = "model",  # noqa: A002 - the document's member name
) -> dict[str, Any]:
    """An unfragile document for a model the registry knows only from a catalog
    (`type` "router" for a router or meta-model)."""
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
            "type": type,
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
