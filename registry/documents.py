"""The passport document <-> registry rows.

`rows_from_unfragile` maps a validated unfragile object onto column values;
`unfragile_from_rows` builds it back. Members the registry does not model are
carried in `extra` columns, so for any valid document
`unfragile_from_rows(rows_from_unfragile(doc)) == doc` (value for value, in
list order), with two documented normalisations: integral floats are written
as integers (the same JSON number), and members the document left out are
served with their defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from core.time import timestamp_or_none
from passports.canonical import canonical_bytes, normalise_numbers

from .models import Artifact, Capability, ProviderEndpoint, Trust
from .trust import COMPONENTS

ARTIFACT_KEYS = (
    "id",
    "slug",
    "name",
    "type",
    "url",
    "page_url",
    "categories",
    "tags",
    "pricing",
    "status",
    "verified",
)
CAPABILITY_KEYS = (
    "id",
    "uri",
    "name",
    "description",
    "intents",
    "best_for",
    "limitations",
    "requires",
    "input_types",
    "output_types",
    "categories",
    "confidence",
    "matches",
    "success_rate",
)
CAPABILITY_FIELDS = {"id": "capability_id"}
CAPABILITY_LIST_KEYS = (
    "intents",
    "best_for",
    "limitations",
    "requires",
    "input_types",
    "output_types",
    "categories",
)
TRUST_KEYS = (
    "score",
    "verified",
    "data_access_risk",
    "permissions",
    "failure_modes",
    "rank_breakdown",
    "observed_outcomes",
    "maintenance",
    "community",
)
OUTCOME_KEYS = ("matches", "success_rate", "avg_confidence", "top_intents", "last_matched_at")
UNFRAGILE_KEYS = ("@version", "version", "artifact", "capabilities", "trust", "distribution")
DEFAULT_MAINTENANCE = {
    "status": "active",
    "updated_at": None,
    "last_scraped_at": None,
    "last_commit": None,
}
DEFAULT_COMMUNITY = {
    "stars": None,
    "forks": None,
    "weekly_downloads": None,
    "model_downloads": None,
    "model_likes": None,
}


PRICING_KEYS = ("model", "free", "starting_price")
DISTRIBUTION_KEYS = ("claim_url", "compare_url")


def _ordered(obj: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    """Known members in the format's order, then the rest as stored.

    PostgreSQL's jsonb keeps no key order; the published order is restored here.
    """
    result = {key: obj[key] for key in known if key in obj}
    result.update((key, value) for key, value in obj.items() if key not in result)
    return result


def _extra(obj: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key not in known}


@dataclass
class PassportRows:
    """Column values for one passport, ready to compare with or write to the database."""

    artifact: dict[str, Any]
    capabilities: list[dict[str, Any]]
    trust: dict[str, Any] | None  # None: the document stated no trust; the registry derives it
    stated_trust_keys: set[str] = field(default_factory=set)


def capability_id(artifact_id: str, position: int) -> str:
    return f"{artifact_id}__cap_{position}"


def rows_from_unfragile(unfragile: Mapping[str, Any]) -> PassportRows:
    """Column values of a schema-valid unfragile object. Pure."""
    doc = normalise_numbers(dict(unfragile))
    art = doc["artifact"]
    artifact_id = art.get("id") or art["slug"]
    artifact = {
        "artifact_id": artifact_id,
        "slug": art["slug"],
        "name": art["name"],
        "type": art.get("type", "model"),
        "url": art.get("url"),
        "page_url": art.get("page_url"),
        "categories": list(art.get("categories", [])),
        "tags": list(art.get("tags", [])),
        "pricing": dict(art.get("pricing", {})),
        "status": art.get("status", "active"),
        "verified": bool(art.get("verified", False)),
        "artifact_extra": _extra(art, ARTIFACT_KEYS),
        "format_version": doc.get("@version", "1.0"),
        "content_version": doc.get("version", ""),
        "distribution": dict(doc.get("distribution", {})),
        "extra": _extra(doc, UNFRAGILE_KEYS),
    }
    capabilities = []
    for position, cap in enumerate(doc.get("capabilities", [])):
        row: dict[str, Any] = {
            "position": position,
            "capability_id": cap.get("id") or capability_id(artifact_id, position),
            "uri": cap.get("uri", ""),
            "name": cap["name"],
            "description": cap.get("description", ""),
            "confidence": cap.get("confidence", 0),
            "matches": cap.get("matches", 0),
            "success_rate": cap.get("success_rate", 0),
            "extra": _extra(cap, CAPABILITY_KEYS),
        }
        for key in CAPABILITY_LIST_KEYS:
            row[key] = list(cap.get(key, []))
        capabilities.append(row)

    stated = doc.get("trust")
    if stated is None:
        return PassportRows(artifact=artifact, capabilities=capabilities, trust=None)
    breakdown = stated.get("rank_breakdown", {})
    weights = breakdown.get("weights", {})
    outcomes = stated.get("observed_outcomes", {})
    trust: dict[str, Any] = {
        "verified": stated.get("verified", artifact["verified"]),
        "data_access_risk": stated.get("data_access_risk", "low"),
        "matches": outcomes.get("matches", 0),
        "success_rate": outcomes.get("success_rate", 0),
        "avg_confidence": outcomes.get("avg_confidence", 0),
        "top_intents": list(outcomes.get("top_intents", [])),
        "last_matched_at": outcomes.get("last_matched_at"),
        "maintenance": dict(stated.get("maintenance", DEFAULT_MAINTENANCE)),
        "community": dict(stated.get("community", DEFAULT_COMMUNITY)),
        "extra": {
            "trust": _extra(stated, TRUST_KEYS),
            "rank_breakdown": _extra(breakdown, (*COMPONENTS, "weights")),
            "weights": _extra(weights, COMPONENTS),
            "observed_outcomes": _extra(outcomes, OUTCOME_KEYS),
        },
    }
    for key in ("score", "permissions", "failure_modes"):
        if key in stated:
            trust[key] = stated[key]
    if breakdown:
        for name in COMPONENTS:
            trust[name] = breakdown[name]
            trust[f"weight_{name}"] = weights[name]
        trust["component_sources"] = {name: "imported" for name in COMPONENTS}
    return PassportRows(
        artifact=artifact, capabilities=capabilities, trust=trust, stated_trust_keys=set(stated)
    )


def _capability_document(cap: Capability) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": cap.capability_id,
        "uri": cap.uri,
        "name": cap.name,
        "description": cap.description,
    }
    for key in CAPABILITY_LIST_KEYS:
        doc[key] = getattr(cap, key)
    doc["confidence"] = cap.confidence
    doc["matches"] = cap.matches
    doc["success_rate"] = cap.success_rate
    doc.update(cap.extra)
    return doc


def trust_document(trust: Trust) -> dict[str, Any]:
    extra = trust.extra or {}
    weights = trust.weights()
    weights.update(extra.get("weights", {}))
    breakdown: dict[str, Any] = trust.components()
    breakdown["weights"] = weights
    breakdown.update(extra.get("rank_breakdown", {}))
    outcomes: dict[str, Any] = {
        "matches": trust.matches,
        "success_rate": trust.success_rate,
        "avg_confidence": trust.avg_confidence,
        "top_intents": trust.top_intents,
        "last_matched_at": trust.last_matched_at,
    }
    outcomes.update(extra.get("observed_outcomes", {}))
    # Live-probe figures (probes app) once an endpoint was probed: measured, so they
    # stand over anything a document stated under the same names.
    outcomes.update(trust.probe_outcomes or {})
    doc: dict[str, Any] = {
        "score": trust.score,
        "verified": trust.verified,
        "data_access_risk": trust.data_access_risk,
        "permissions": trust.permissions,
        "failure_modes": trust.failure_modes,
        "rank_breakdown": breakdown,
        "observed_outcomes": outcomes,
        "maintenance": _ordered(trust.maintenance, tuple(DEFAULT_MAINTENANCE)),
        "community": _ordered(trust.community, tuple(DEFAULT_COMMUNITY)),
    }
    doc.update(extra.get("trust", {}))
    return doc


def unfragile_from_rows(
    artifact: Artifact, capabilities: Sequence[Capability], trust: Trust
) -> dict[str, Any]:
    """The unfragile object of a passport, built from its rows."""
    art: dict[str, Any] = {
        "id": artifact.artifact_id,
        "slug": artifact.slug,
        "name": artifact.name,
        "type": artifact.type,
        "url": artifact.url,
        "page_url": artifact.page_url,
        "categories": artifact.categories,
        "tags": artifact.tags,
        "pricing": _ordered(artifact.pricing, PRICING_KEYS),
        "status": artifact.status,
        "verified": artifact.verified,
    }
    art.update(artifact.artifact_extra)
    doc: dict[str, Any] = {
        "@version": artifact.format_version,
        "version": artifact.content_version,
        "artifact": art,
        "capabilities": [_capability_document(cap) for cap in capabilities],
        "trust": trust_document(trust),
        "distribution": _ordered(artifact.distribution, DISTRIBUTION_KEYS),
    }
    doc.update(artifact.extra)
    result: dict[str, Any] = normalise_numbers(doc)
    return result


def _price(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def facts_document(artifact: Artifact) -> dict[str, Any]:
    """Structured catalog facts, as the registry holds them."""
    return {
        "context_length": artifact.context_length,
        "max_output_tokens": artifact.max_output_tokens,
        "input_modalities": artifact.input_modalities,
        "output_modalities": artifact.output_modalities,
        "pricing": {
            "prompt": artifact.prompt_price or None,
            "completion": artifact.completion_price or None,
            "unit": artifact.price_unit or None,
            "prompt_usd_per_1m_tokens": _price(artifact.prompt_price_per_1m),
            "completion_usd_per_1m_tokens": _price(artifact.completion_price_per_1m),
        },
        "open_weights": artifact.open_weights,
        "release_date": artifact.release_date.isoformat() if artifact.release_date else None,
        "hugging_face_id": artifact.hugging_face_id or None,
        "supported_parameters": artifact.supported_parameters,
        "source": artifact.facts_source or None,
        "as_of": timestamp_or_none(artifact.facts_as_of),
    }


def endpoint_document(endpoint: ProviderEndpoint) -> dict[str, Any]:
    return {
        "provider": endpoint.provider,
        "model": endpoint.model_name,
        "source": endpoint.source,
        "source_key": endpoint.source_key,
        "protocol": endpoint.protocol,
        "base_url": endpoint.base_url or None,
        "mode": endpoint.mode or None,
        "context_length": endpoint.context_length,
        "max_output_tokens": endpoint.max_output_tokens,
        "prompt_usd_per_1m_tokens": _price(endpoint.prompt_price_per_1m),
        "completion_usd_per_1m_tokens": _price(endpoint.completion_price_per_1m),
        "input_modalities": endpoint.input_modalities,
        "output_modalities": endpoint.output_modalities,
        "features": endpoint.features,
        # "" for the model itself; else the variant this offer is (free, batch, fast, ...).
        "variant": endpoint.variant,
        "free": endpoint.free,
        # Live-probe status once probed: passing, degraded, or paused by the circuit breaker.
        **({"probe": endpoint.probe_status} if endpoint.probe_status else {}),
    }


def passport_content(artifact: Artifact) -> dict[str, Any]:
    """The content of `passport` that a signature will cover, envelope fields aside.

    Caller has prefetched capabilities, trust and endpoints.
    """
    unfragile = unfragile_from_rows(artifact, list(artifact.capabilities.all()), artifact.trust)
    capabilities = list(artifact.capabilities.all())
    registry = {
        "facts": facts_document(artifact),
        "endpoints": [endpoint_document(endpoint) for endpoint in artifact.endpoints.all()],
        # Slugs this listing was known by (renamed, or merged into it); they redirect here.
        "aliases": sorted(alias.slug for alias in artifact.aliases.all()),
        # Outcomes the registry measured per capability (matches and success_rate
        # also update the capability objects above).
        "outcomes": {
            cap.capability_id: {
                "matches": cap.matches,
                "avg_confidence": cap.avg_confidence,
                "top_intents": cap.top_intents,
                "last_matched_at": cap.last_matched_at or None,
                "feedback": cap.feedback_count,
                "successes": cap.successes,
            }
            for cap in capabilities
            if cap.last_matched_at or cap.feedback_count
        },
    }
    return {"unfragile": unfragile, "registry": normalise_numbers(registry)}


def content_digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def links(slug: str, base_url: str | None = None) -> dict[str, str]:
    base = (base_url or settings.PUBLIC_BASE_URL).rstrip("/")
    return {
        "self": f"{base}/api/v1/passport/{slug}",
        "artifact": f"{base}/passports/{slug}",
        "verify": f"{base}/api/v1/verify?slug={slug}",
        "publicKey": f"{base}/api/v1/trust-passport-public-key",
        "jwks": f"{base}/.well-known/jwks.json",
        "versions": f"{base}/api/v1/passport/{slug}/versions",
        "schema": f"{base}/schema.json",
        "docs": f"{base}/api/docs/",
    }
