"""Import OpenRouter's /api/v1/models JSON: one passport per model, variants as its offers.

Slug = the OpenRouter id with '/' replaced by '-' (as unfragile does). A variant
(`:free`, `:batch`, `-fast`, a dated snapshot, a `~...-latest` alias; the rules are
registry.naming.offers_of) is an offer of its model's passport, with its own id,
prices and limits, not a passport of its own; a model seen only as a variant gets
a passport under the model's id. Routers and meta-models are `type: router`. A model
that already has a passport (a seed, a curated document) keeps its curated
text; only the catalog's facts and an OpenRouter endpoint are merged into it.
Facts from an older snapshot never overwrite facts from a newer one, so
importing several snapshots in any order ends in the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from passports.canonical import DocumentError, parse_json

from ..listings import artifact_merge
from ..modalities import INPUT_MODALITIES, OUTPUT_MODALITIES
from ..models import Artifact, Source
from ..naming import is_router, offers_of, openrouter_makers, openrouter_name
from ..services import DocumentRejected, passport_import
from .catalog import (
    artifact_finish,
    catalog_endpoint_upsert,
    endpoint_fact_values,
    fact_values,
    facts_apply,
    stated_price_check,
)
from .derive import CatalogFacts, catalog_document, modalities, slug_from_id
from .summary import ImportSummary

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
FEATURE_PARAMETERS = {
    "tools": "tools",
    "structured_outputs": "structured_outputs",
    "response_format": "structured_outputs",
    "reasoning": "reasoning",
}


class RecordRejected(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _int(model: dict[str, Any], *path: str) -> int | None:
    value: Any = model
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordRejected(f"{'.'.join(path)} must be a non-negative integer", ".".join(path))
    return value


def _price(pricing: Any, key: str) -> str:
    value = pricing.get(key) if isinstance(pricing, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordRejected(f"pricing.{key} must be a number or numeric string", f"pricing.{key}")
    return str(value)


def model_facts(model: Any) -> tuple[str, CatalogFacts]:
    """The id and stated facts of one OpenRouter model record."""
    if not isinstance(model, dict):
        raise RecordRejected("a model record must be an object")
    model_id = model.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        raise RecordRejected("missing id", "id")
    if not slug_from_id(model_id):
        raise RecordRejected(f"id {model_id!r} gives an empty slug", "id")
    name = model.get("name")
    if not isinstance(name, str) or not name.strip():
        name = model_id
    description = model.get("description")
    raw_architecture = model.get("architecture")
    architecture: dict[str, Any] = raw_architecture if isinstance(raw_architecture, dict) else {}
    params = model.get("supported_parameters")
    params = [p for p in params if isinstance(p, str)] if isinstance(params, list) else []
    created = model.get("created")
    release = (
        datetime.fromtimestamp(created, tz=UTC)
        if isinstance(created, int) and not isinstance(created, bool) and 0 < created < 2**33
        else None
    )
    hf_id = model.get("hugging_face_id")
    facts = CatalogFacts(
        name=name.strip()[:300],
        description=description.strip() if isinstance(description, str) else "",
        context_length=_int(model, "context_length")
        or _int(model, "top_provider", "context_length"),
        max_output_tokens=_int(model, "top_provider", "max_completion_tokens"),
        input_modalities=modalities(architecture.get("input_modalities"), INPUT_MODALITIES)
        or ["text"],
        output_modalities=modalities(architecture.get("output_modalities"), OUTPUT_MODALITIES)
        or ["text"],
        prompt_price=_price(model.get("pricing"), "prompt"),
        completion_price=_price(model.get("pricing"), "completion"),
        features=sorted({FEATURE_PARAMETERS[p] for p in params if p in FEATURE_PARAMETERS}),
        # OpenRouter names a Hugging Face repository only for models whose weights are published.
        open_weights=True if isinstance(hf_id, str) and hf_id else None,
        hugging_face_id=hf_id if isinstance(hf_id, str) else "",
        release_date=release,
        supported_parameters=params,
    )
    return model_id, facts


def _better_description(current: str, new: str) -> str:
    """Keep a full description over the same text cut short with '...' by a later snapshot."""
    if (
        new.endswith("...")
        and current.startswith(new[:-3].rstrip()[:150])
        and len(current) > len(new)
    ):
        return current
    return new or current


def _endpoint_values(model_id: str, facts: CatalogFacts, variant: str = "") -> dict[str, Any]:
    return {
        "variant": variant,
        "provider": "openrouter",
        "model_name": model_id,
        "base_url": OPENROUTER_BASE_URL,
        "api_key_env": "OPENROUTER_API_KEY",
        "protocol": "openai-chat",
        "mode": "chat",
        **endpoint_fact_values(facts),
        "match_rule": "openrouter-id",
    }


@dataclass(frozen=True)
class Listing:
    """Where one record goes: its model's id, the variant it is ("" for the model), the
    listing's name and type."""

    model_id: str
    variant: str
    name: str
    type: str


def _apply_variant(
    record_id: str, listing: Listing, facts: CatalogFacts, as_of: datetime | None
) -> str:
    """A variant record: an offer of its model's artifact (made from this record if the
    catalogs hold no record of the model itself)."""
    artifact = Artifact.objects.filter(openrouter_id=listing.model_id, merged_into=None).first()
    status = "offer"
    if artifact is None:
        model_facts_ = replace(facts, name=listing.name)
        status = _apply(listing.model_id, model_facts_, as_of, listing=listing, record_id=record_id)
        artifact = Artifact.objects.get(openrouter_id=listing.model_id, merged_into=None)
        status = "created" if status == "created" else "offer"
    # An earlier import listed this variant as a model of its own: fold it in.
    for duplicate in Artifact.objects.filter(openrouter_id=record_id, merged_into=None).exclude(
        pk=artifact.pk
    ):
        artifact_merge(source=duplicate, target=artifact, variant=listing.variant)
        status = "merged"
    written = catalog_endpoint_upsert(
        artifact=artifact,
        source=Source.OPENROUTER,
        source_key=record_id,
        values=_endpoint_values(record_id, facts, listing.variant),
    )
    artifact_finish(artifact=artifact, written=written or status != "offer")
    return status


def _apply(
    model_id: str,
    facts: CatalogFacts,
    as_of: datetime | None,
    *,
    listing: Listing,
    record_id: str | None = None,
) -> str:
    """A model's own record (or, with `record_id`, the variant record that stands in for it)."""
    slug = slug_from_id(model_id)
    artifact = (
        Artifact.objects.filter(openrouter_id=model_id).first()
        or Artifact.objects.filter(slug=slug).first()
    )
    created = written = False
    owned = artifact is None or artifact.source == Source.OPENROUTER
    newer_held = bool(artifact and artifact.facts_as_of and as_of and artifact.facts_as_of > as_of)
    if owned and not newer_held:
        if artifact is not None:
            facts.description = _better_description(artifact.description, facts.description)
        document = catalog_document(
            artifact_id=artifact.artifact_id if artifact else f"openrouter-{slug}",
            slug=artifact.slug if artifact else slug,
            facts=facts,
            provider="OpenRouter",
            vendor=model_id.split("/")[0] if "/" in model_id else "openrouter",
            url=f"https://openrouter.ai/models/{model_id.replace('/', '~')}",
            as_of=as_of,
            type=listing.type,
        )
        outcome = passport_import(document=document, source=Source.OPENROUTER, refresh=False)
        created = outcome.status == "created"
        written = outcome.status != "unchanged"
        artifact = Artifact.objects.get(slug=outcome.slug)
    assert artifact is not None
    if artifact.openrouter_id != model_id and not artifact.openrouter_id:
        artifact.openrouter_id = model_id
        artifact.save(update_fields=["openrouter_id", "updated_at"])
        written = True
    if owned and not newer_held and artifact.description != facts.description:
        artifact.description = facts.description
        artifact.save(update_fields=["description", "updated_at"])
        written = True
    written |= facts_apply(
        artifact=artifact, values=fact_values(facts, source=Source.OPENROUTER, as_of=as_of)
    )
    if not newer_held and record_id is None:
        written |= catalog_endpoint_upsert(
            artifact=artifact,
            source=Source.OPENROUTER,
            source_key=model_id,
            values=_endpoint_values(model_id, facts),
        )
    if not owned:
        stated_price_check(artifact=artifact, source=Source.OPENROUTER)
    changed = artifact_finish(artifact=artifact, written=written)
    if created:
        return "created"
    return "updated" if changed else "unchanged"


def _listings(models: list[Any]) -> dict[str, Listing]:
    """Each record's listing: the model it offers, the variant, `Maker: Model`, the type."""
    records = [m for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]
    known = set(
        Artifact.objects.filter(merged_into=None)
        .exclude(openrouter_id="")
        .values_list("openrouter_id", flat=True)
    )
    offers = offers_of(records, known=known)
    makers = openrouter_makers(records)
    by_id = {str(m["id"]): m for m in records}
    found: dict[str, Listing] = {}
    for model in records:
        model_id = str(model["id"])
        base_id, variant = offers.get(model_id, (model_id, ""))
        base = by_id.get(base_id, model)
        name = base.get("name") if isinstance(base.get("name"), str) else base_id
        found[model_id] = Listing(
            model_id=base_id,
            variant=variant,
            name=openrouter_name(str(name).strip() or base_id, base_id, makers)[:300],
            type="router" if is_router(base) else "model",
        )
    return found


def models_of(parsed: Any) -> list[Any]:
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
        return list(parsed["data"])
    if isinstance(parsed, list):
        return parsed
    raise DocumentRejected(
        "expected OpenRouter's {'data': [...]} (or a list of models)",
        code="wrong_shape",
        field="data",
    )


def snapshot_time(models: list[Any]) -> datetime | None:
    """When a snapshot was taken, as near as the data says: its newest model's creation."""
    stamps = [
        m["created"]
        for m in models
        if isinstance(m, dict)
        and isinstance(m.get("created"), int)
        and not isinstance(m.get("created"), bool)
        and 0 < m["created"] < 2**33
    ]
    return datetime.fromtimestamp(max(stamps), tz=UTC) if stamps else None


def openrouter_import(
    *,
    data: bytes,
    label: str,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportSummary:
    summary = ImportSummary(source=f"openrouter {label}")
    try:
        models = models_of(parse_json(data, max_bytes=settings.CATALOG_MAX_BYTES))
    except DocumentError as exc:
        summary.reject(label, exc.message, exc.field)
        return summary
    except DocumentRejected as exc:
        summary.reject(label, exc.message, exc.field)
        return summary
    if on_total:
        on_total(len(models))
    as_of = snapshot_time(models)
    listings = _listings(models)
    # Models before their variants, so a variant finds its model's passport.
    order = sorted(
        range(len(models)),
        key=lambda i: bool(
            isinstance(models[i], dict)
            and listings.get(str(models[i].get("id")), None)
            and listings[str(models[i].get("id"))].variant
        ),
    )
    for index in order:
        model = models[index]
        summary.records += 1
        model_id = model.get("id") if isinstance(model, dict) else None
        where = f"data[{index}]" + (f" ({model_id})" if isinstance(model_id, str) else "")
        try:
            model_id, facts = model_facts(model)
            listing = listings[model_id]
            with transaction.atomic():
                if listing.variant:
                    summary.count(_apply_variant(model_id, listing, facts, as_of))
                else:
                    facts = replace(facts, name=listing.name)
                    summary.count(_apply(model_id, facts, as_of, listing=listing))
        except RecordRejected as exc:
            summary.reject(where, exc.message, exc.field)
        except DocumentRejected as exc:
            summary.reject(where, exc.message, exc.field)
        if progress:
            progress(1)
    if as_of:
        summary.notes.append(f"snapshot as of {as_of.isoformat()}")
    return summary
