"""Writes shared by the catalog importers: facts, endpoints, finishing an artifact."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..listings import family_sync
from ..models import Artifact, ImportWarning, ProviderEndpoint
from ..refresh import artifact_refresh_later, artifacts_refresh
from ..services import facets_sync
from .derive import CatalogFacts, per_million

FACT_FIELDS = (
    "context_length",
    "max_output_tokens",
    "input_modalities",
    "output_modalities",
    "prompt_price",
    "completion_price",
    "price_unit",
    "prompt_price_per_1m",
    "completion_price_per_1m",
    "open_weights",
    "release_date",
    "hugging_face_id",
    "supported_parameters",
    "facts_source",
    "facts_as_of",
)


def fact_values(facts: CatalogFacts, *, source: str, as_of: datetime | None) -> dict[str, Any]:
    return {
        "context_length": facts.context_length,
        "max_output_tokens": facts.max_output_tokens,
        "input_modalities": facts.input_modalities,
        "output_modalities": facts.output_modalities,
        "prompt_price": facts.prompt_price,
        "completion_price": facts.completion_price,
        "price_unit": "USD/token" if facts.prompt_price or facts.completion_price else "",
        "prompt_price_per_1m": per_million(facts.prompt_price),
        "completion_price_per_1m": per_million(facts.completion_price),
        "open_weights": facts.open_weights,
        "release_date": facts.release_date.date() if facts.release_date else None,
        "hugging_face_id": facts.hugging_face_id,
        "supported_parameters": facts.supported_parameters,
        "facts_source": source,
        "facts_as_of": as_of,
    }


def endpoint_fact_values(facts: CatalogFacts) -> dict[str, Any]:
    """The facts an endpoint row states about the model it serves, as its catalog gives them."""
    prompt, completion = per_million(facts.prompt_price), per_million(facts.completion_price)
    return {
        "free": prompt == 0 and completion in (None, 0),
        "context_length": facts.context_length,
        "max_output_tokens": facts.max_output_tokens,
        "prompt_price": facts.prompt_price,
        "completion_price": facts.completion_price,
        "prompt_price_per_1m": prompt,
        "completion_price_per_1m": completion,
        "input_modalities": facts.input_modalities,
        "output_modalities": facts.output_modalities,
        "features": facts.features,
    }


def facts_apply(*, artifact: Artifact, values: dict[str, Any]) -> bool:
    """Set catalog facts unless the artifact holds facts from a newer snapshot. True if changed."""
    as_of = values.get("facts_as_of")
    if artifact.facts_as_of and as_of and artifact.facts_as_of > as_of:
        return False
    changed = [name for name in FACT_FIELDS if getattr(artifact, name) != values[name]]
    if not changed:
        return False
    for name in changed:
        setattr(artifact, name, values[name])
    artifact.save(update_fields=[*changed, "updated_at"])
    return True


def catalog_endpoint_upsert(
    *, artifact: Artifact, source: str, source_key: str, values: dict[str, Any]
) -> bool:
    """Create or update the endpoint a catalog entry describes. True if anything changed."""
    endpoint = ProviderEndpoint.objects.filter(source=source, source_key=source_key).first()
    if endpoint is None:
        ProviderEndpoint.objects.create(
            artifact=artifact, source=source, source_key=source_key, **values
        )
        return True
    changed = [name for name, value in values.items() if getattr(endpoint, name) != value]
    if endpoint.artifact_id != artifact.pk:
        endpoint.artifact = artifact
        changed.append("artifact")
    if not changed:
        return False
    for name in changed:
        if name != "artifact":
            setattr(endpoint, name, values[name])
    endpoint.save()
    return True


_STARTING_PRICE = re.compile(r"\$\s*([0-9.]+(?:e[+-]?\d+)?)\s+per prompt token", re.IGNORECASE)


def stated_price_check(*, artifact: Artifact, source: str) -> None:
    """Warn when a curated passport's stated starting price disagrees with the catalog's."""
    ImportWarning.objects.filter(artifact=artifact, source=source, code="fact_mismatch").delete()
    stated = (artifact.pricing or {}).get("starting_price")
    if not isinstance(stated, str) or artifact.prompt_price_per_1m is None:
        return
    match = _STARTING_PRICE.search(stated)
    if not match:
        return
    stated_per_1m = per_million(match.group(1))
    if stated_per_1m is None or stated_per_1m == artifact.prompt_price_per_1m:
        return
    catalog = artifact.prompt_price_per_1m.normalize()
    ImportWarning.objects.create(
        artifact=artifact,
        source=source,
        code="fact_mismatch",
        field="artifact.pricing.starting_price",
        message=(
            f"stated starting price {stated!r} is ${stated_per_1m.normalize()} per 1M prompt "
            f"tokens; the {source} catalog says ${catalog} per 1M. The stated text is kept; "
            "the catalog price is in registry.facts"
        ),
        stated=stated,
        derived=str(Decimal(catalog)),
    )


def artifact_finish(*, artifact: Artifact, written: bool) -> bool:
    """Re-derive what follows from new facts and endpoints. True if published content changed.

    Facets are synced under the refresh's row lock; trust, content and the
    signature are registry.refresh's. Caller holds the artifact's transaction.
    Under `signing_deferred()` (bootstrap) trust, content and the signature wait for
    the one pass after every catalog is in, and `written` (the import changed the
    artifact's passport, facts or endpoints) stands for "content changed": what
    follows from an artifact nothing was written to is unchanged.
    """
    if artifact_refresh_later(artifact_id=artifact.pk, written=written):
        artifact.refresh_from_db()
        facets_sync(artifact=artifact)
        family_sync(artifact=artifact)
        return written

    def apply(locked: Artifact) -> None:
        facets_sync(artifact=locked)
        family_sync(artifact=locked)

    refreshed = artifacts_refresh(artifact_ids=[artifact.pk], apply=apply)
    artifact.refresh_from_db()
    return artifact.pk in refreshed.changed
