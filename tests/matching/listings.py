"""Listings made row by row, and a tiny deterministic embedder, for ranking tests whose every
similarity is known: identical texts embed identically, so their models tie exactly."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from registry.models import Artifact, Capability, ProviderEndpoint, Source, Trust

DIMENSIONS = 64


class WordEmbedder:
    """Bag of words hashed into 64 dimensions, normalised."""

    name = "words-for-tests"
    dimensions = DIMENSIONS

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                vectors[
                    row, int(hashlib.sha256(word.encode()).hexdigest()[:8], 16) % DIMENSIONS
                ] += 1
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors


CONTRACTS = "Summarize legal contracts"


def listing(
    slug: str,
    *,
    text: str = CONTRACTS,
    family: str = "",
    type: str = "model",
    trust: int = 50,
    released: date | None = None,
    price: str | None = None,
    context: int | None = None,
    merged_into: Artifact | None = None,
    feedback: tuple[int, int] = (0, 0),
    probe_outcomes: dict[str, Any] | None = None,
    offers: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> Artifact:
    """One artifact with one capability whose name and description are `text`, its trust, and
    its offers (ProviderEndpoint fields; source_key defaults to slug:variant)."""
    artifact = Artifact.objects.create(
        artifact_id=f"test-{slug}",
        slug=slug,
        name=slug.replace("-", " ").title(),
        type=type,
        family=family,
        release_date=released,
        prompt_price_per_1m=None if price is None else Decimal(price),
        context_length=context,
        merged_into=merged_into,
        source=Source.API,
    )
    Trust.objects.create(artifact=artifact, score=trust, probe_outcomes=probe_outcomes or {})
    successes, count = feedback
    Capability.objects.create(
        artifact=artifact,
        position=0,
        capability_id=f"{slug}__cap_0",
        name=text,
        description=text,
        feedback_count=count,
        successes=successes,
        success_rate=successes / count if count else 0,
    )
    for offer in offers:
        fields = {"provider": "openrouter", "model_name": slug, **offer}
        variant = fields.get("variant", "")
        fields.setdefault("source_key", f"{slug}:{variant}" if variant else slug)
        for name in ("prompt_price_per_1m", "completion_price_per_1m"):
            if fields.get(name) is not None:
                fields[name] = Decimal(fields[name])
        ProviderEndpoint.objects.create(artifact=artifact, source=Source.OPENROUTER, **fields)
    return artifact
