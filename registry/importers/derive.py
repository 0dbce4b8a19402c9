"""Passport documents for models a catalog lists: capabilities from stated facts only.

A catalog says what goes in and out, which parameters a model takes and how
long its context is; each capability follows from one of those facts (the
templates are data, in `capability_templates`), and its limitations say what
the catalog states, nothing more.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings

from ..modalities import normalise_modality, ordered
from .capabilities import LONG_CONTEXT_TOKENS, catalog_capabilities
from .catalog_facts import PER_MILLION, CatalogFacts, per_million, usd

# The importers and tests reach these through derive, as before the split.
__all__ = [
    "IMPORTER_VERSION",
    "LONG_CONTEXT_TOKENS",
    "PER_MILLION",
    "CatalogFacts",
    "catalog_capabilities",
    "catalog_document",
    "modalities",
    "per_million",
    "price_text",
    "slug_from_id",
    "usd",
]


# Bumped when the rules that turn a catalog entry into a passport change; a
# catalog imported by an older version is imported again (registry.CatalogSnapshot).
# 2: capabilities answered in text (understanding an input, tools, JSON,
#    reasoning) only for models that give text.
# 3: one listing per model (variants are offers, routers `type: router`), names
#    `Maker: Model` (registry.naming); and capability texts from what the catalog
#    says about each model (its description's sentences, LiteLLM's mode and
#    supports_* flags, context and prices) instead of the same template for every
#    model, which made models tie exactly in matching; a capability per mode and flag.
IMPORTER_VERSION = 3


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
