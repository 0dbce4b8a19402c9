"""Writes to the registry. Every public function is keyword-only and typed."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core.errors import ApplicationError
from passports.canonical import unsafe_number
from passports.schema import validate

from . import trust as trust_rules
from .clocks import clock_tick
from .documents import (
    CAPABILITY_LIST_KEYS,
    DEFAULT_COMMUNITY,
    DEFAULT_MAINTENANCE,
    PassportRows,
    rows_from_unfragile,
)
from .listings import family_sync
from .modalities import INPUT_MODALITIES, OUTPUT_MODALITIES, modalities_from_types
from .models import (
    Artifact,
    ArtifactFacet,
    Capability,
    Source,
    Trust,
)
from .refresh import artifacts_refresh
from .submissions import registry_owned
from .trust import COMPONENTS

logger = logging.getLogger(__name__)


class DocumentRejected(ApplicationError):
    """A document that cannot be imported; nothing of it was stored."""


@dataclass
class ImportOutcome:
    status: str  # "created" | "updated" | "unchanged"
    slug: str
    warnings: list[dict[str, Any]] = field(default_factory=list)


def unwrap_unfragile(document: Any) -> dict[str, Any]:
    """The unfragile object of a served document, an envelope, or the bare object."""
    if not isinstance(document, dict):
        raise DocumentRejected(
            f"a passport document must be a JSON object, not {type(document).__name__}",
            code="wrong_type",
            field="document",
        )
    if "passport" in document:
        passport = document["passport"]
        if not isinstance(passport, dict):
            raise DocumentRejected(
                "passport must be an object", code="wrong_type", field="passport"
            )
        document = passport
    if "unfragile" in document:
        unfragile = document["unfragile"]
        if not isinstance(unfragile, dict):
            raise DocumentRejected(
                "unfragile must be an object", code="wrong_type", field="passport.unfragile"
            )
        return unfragile
    if "artifact" in document:
        return document
    raise DocumentRejected(
        "no passport found: expected {'passport': {'unfragile': ...}}, {'unfragile': ...} "
        "or an object with 'artifact'",
        code="missing",
        field="passport.unfragile",
    )


def passport_validate(*, document: Any) -> PassportRows:
    """Check a document on its own, without the database. Raises DocumentRejected naming
    the first problem (and up to 20 in `details`)."""
    unfragile = unwrap_unfragile(document)
    problems = validate(unfragile, definition="unfragile", prefix="unfragile")
    if problems:
        first = problems[0]
        raise DocumentRejected(
            f"{first.field}: {first.message}",
            code="schema",
            field=first.field,
            details=[{"field": p.field, "message": p.message} for p in problems[:20]],
        )
    unsafe = unsafe_number(unfragile, prefix="unfragile")
    if unsafe is not None:
        field_name, message = unsafe
        raise DocumentRejected(f"{field_name}: {message}", code="invalid_number", field=field_name)
    rows = rows_from_unfragile(unfragile)
    seen: dict[str, int] = {}
    for cap in rows.capabilities:
        if cap["capability_id"] in seen:
            raise DocumentRejected(
                f"capability id {cap['capability_id']!r} appears twice",
                code="duplicate",
                field=f"unfragile.capabilities[{cap['position']}].id",
            )
        seen[cap["capability_id"]] = cap["position"]
    return rows


def passport_conflicts(*, rows: PassportRows) -> None:
    """Raise DocumentRejected (409) when the document's artifact id or a capability id
    belongs to another artifact in the registry."""
    slug = rows.artifact["slug"]
    artifact_id = rows.artifact["artifact_id"]
    clash = (
        Artifact.objects.filter(artifact_id=artifact_id)
        .exclude(slug=slug)
        .values_list("slug", flat=True)
        .first()
    )
    if clash is not None:
        raise DocumentRejected(
            f"artifact id {artifact_id!r} already belongs to {clash!r}",
            code="conflict",
            field="unfragile.artifact.id",
            status=409,
        )
    cap_ids = [cap["capability_id"] for cap in rows.capabilities]
    taken = (
        Capability.objects.filter(capability_id__in=cap_ids)
        .exclude(artifact__slug=slug)
        .values_list("capability_id", flat=True)
        .first()
    )
    if taken is not None:
        raise DocumentRejected(
            f"capability id {taken!r} belongs to another artifact",
            code="conflict",
            field="unfragile.capabilities",
            status=409,
        )


def passport_check(*, document: Any) -> PassportRows:
    """Everything passport_import refuses about a document, without storing it: the
    document itself (passport_validate), then its ids against the registry
    (passport_conflicts). What is about the caller (a staff or owner token) or the
    operation (PUT updates a passport that exists) is not checked."""
    rows = passport_validate(document=document)
    passport_conflicts(rows=rows)
    return rows


def _effective_modalities(artifact: Artifact, capabilities: Sequence[Mapping[str, Any]]) -> None:
    """Fill modalities from capability types when no catalog stated them."""
    if artifact.facts_source:
        return
    inputs: list[str] = []
    outputs: list[str] = []
    for cap in capabilities:
        inputs.extend(cap.get("input_types", []))
        outputs.extend(cap.get("output_types", []))
    artifact.input_modalities = modalities_from_types(inputs, INPUT_MODALITIES)
    artifact.output_modalities = modalities_from_types(outputs, OUTPUT_MODALITIES)


def facets_sync(*, artifact: Artifact) -> None:
    wanted = {(ArtifactFacet.Kind.CATEGORY, value) for value in artifact.categories} | {
        (ArtifactFacet.Kind.TAG, value) for value in artifact.tags
    }
    wanted |= {(ArtifactFacet.Kind.INPUT_MODALITY, value) for value in artifact.input_modalities}
    wanted |= {(ArtifactFacet.Kind.OUTPUT_MODALITY, value) for value in artifact.output_modalities}
    wanted = {(kind, value[:100]) for kind, value in wanted}
    existing = {
        (kind, value): pk
        for pk, kind, value in ArtifactFacet.objects.filter(artifact=artifact).values_list(
            "pk", "kind", "value"
        )
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        ArtifactFacet.objects.filter(pk__in=stale).delete()
    ArtifactFacet.objects.bulk_create(
        [
            ArtifactFacet(artifact=artifact, kind=kind, value=value)
            for kind, value in sorted(wanted - set(existing))
        ]
    )


def _current_rows(artifact: Artifact) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    artifact_values = {key: getattr(artifact, key) for key in _ARTIFACT_COLUMNS}
    capability_values = list(
        Capability.objects.filter(artifact=artifact)
        .order_by("position")
        .values(*_CAPABILITY_COLUMNS)
    )
    return artifact_values, capability_values


_ARTIFACT_COLUMNS = (
    "artifact_id",
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
    "artifact_extra",
    "format_version",
    "content_version",
    "distribution",
    "extra",
)
_CAPABILITY_COLUMNS = (
    "position",
    "capability_id",
    "uri",
    "name",
    "description",
    "confidence",
    "matches",
    "success_rate",
    "extra",
    *CAPABILITY_LIST_KEYS,
)
_TRUST_COLUMNS = (
    "verified",
    "data_access_risk",
    "matches",
    "success_rate",
    "avg_confidence",
    "top_intents",
    "last_matched_at",
    "maintenance",
    "community",
    "extra",
    "score",
    "permissions",
    "failure_modes",
    "component_sources",
    "stated_fields",
    *COMPONENTS,
    *(f"weight_{name}" for name in COMPONENTS),
)


def _trust_values(rows: PassportRows, artifact_type: str, verified: bool) -> dict[str, Any]:
    """Trust column values a document states; what it leaves out is the registry's to derive."""
    values: dict[str, Any] = dict(rows.trust or {})
    values.setdefault("verified", verified)
    values.setdefault("data_access_risk", "low")
    values.setdefault("matches", 0)
    values.setdefault("success_rate", 0)
    values.setdefault("avg_confidence", 0)
    values.setdefault("top_intents", [])
    values.setdefault("last_matched_at", None)
    values.setdefault("maintenance", dict(DEFAULT_MAINTENANCE))
    values.setdefault("community", dict(DEFAULT_COMMUNITY))
    values.setdefault("extra", {})
    values["stated_fields"] = sorted(
        key for key in ("score", "permissions", "failure_modes") if key in values
    )
    if "component_sources" not in values:
        weights = trust_rules.weights_for(artifact_type)
        for name in COMPONENTS:
            values[f"weight_{name}"] = weights[name]
        values["component_sources"] = {name: "measured" for name in COMPONENTS}
    return values


def _keep_measured(
    artifact: Artifact, capabilities: list[dict[str, Any]], trust_values: dict[str, Any]
) -> None:
    """Outcomes the registry measured stand over what a re-imported document states."""
    measured = {
        cap_id: (matches, success_rate)
        for cap_id, matches, success_rate, feedback, last, probe_runs in Capability.objects.filter(
            artifact=artifact
        ).values_list(
            "capability_id",
            "matches",
            "success_rate",
            "feedback_count",
            "last_matched_at",
            "probe_runs",
        )
        if feedback or last or probe_runs
    }
    for cap in capabilities:
        if cap["capability_id"] in measured:
            cap["matches"], cap["success_rate"] = measured[cap["capability_id"]]
    if measured:
        trust = artifact.trust
        for key in ("matches", "success_rate", "avg_confidence", "top_intents", "last_matched_at"):
            trust_values[key] = getattr(trust, key)


def _trust_unchanged(trust: Trust, values: Mapping[str, Any]) -> bool:
    # Values the registry derives are compared only when the document stated them.
    for key in _TRUST_COLUMNS:
        if key in values and getattr(trust, key) != values[key]:
            return False
    return True


def passport_import(
    *,
    document: Any,
    source: str = Source.PASSPORT,
    refresh: bool = True,
) -> ImportOutcome:
    """Create or update one passport from a document, in one transaction.

    Idempotent: a document equal to what is stored changes nothing.
    Raises DocumentRejected (nothing stored) when the document is invalid.
    With `refresh`, trust is derived and a version signed through
    registry.refresh in the same transaction; without, the caller refreshes
    (the catalog importers, once their facts and endpoints are in).
    """
    rows = passport_validate(document=document)
    slug = rows.artifact["slug"]
    # Through the API trust is the registry's: what the submitter states about it
    # is not stored (registry.submissions). The operator's own passport files keep it.
    submitted = source == Source.API
    with transaction.atomic():
        artifact = Artifact.objects.select_for_update().filter(slug=slug).first()
        ignored = (
            registry_owned(rows=rows, unfragile=unwrap_unfragile(document), artifact=artifact)
            if submitted
            else []
        )
        passport_conflicts(rows=rows)
        art_values = rows.artifact
        cap_ids = [cap["capability_id"] for cap in rows.capabilities]
        if artifact is not None and artifact.verified and not art_values["verified"]:
            # Verification is the registry's to grant (an approved claim, claims.services):
            # re-importing a document that predates it does not take it away.
            art_values = {**art_values, "verified": True}
        trust_values = (
            {}  # an existing artifact's trust row stays as the registry keeps it
            if submitted and artifact is not None
            else _trust_values(rows, art_values["type"], art_values["verified"])
        )

        if artifact is not None:
            if not submitted:
                _keep_measured(artifact, rows.capabilities, trust_values)
            current_artifact, current_caps = _current_rows(artifact)
            if (
                current_artifact == art_values
                and current_caps == rows.capabilities
                and _trust_unchanged(artifact.trust, trust_values)
            ):
                return ImportOutcome(status="unchanged", slug=slug, warnings=ignored)
            status = "updated"
            for key, value in art_values.items():
                setattr(artifact, key, value)
        else:
            status = "created"
            artifact = Artifact(source=source, **art_values)
        _effective_modalities(artifact, rows.capabilities)
        artifact.save()

        existing = {cap.capability_id: cap for cap in Capability.objects.filter(artifact=artifact)}
        # Positions are unique per artifact: park kept rows out of the way first.
        Capability.objects.filter(artifact=artifact).exclude(capability_id__in=cap_ids).delete()
        for cap in existing.values():
            if cap.capability_id in cap_ids:
                cap.position += 100000
        Capability.objects.bulk_update(
            [cap for cap in existing.values() if cap.capability_id in cap_ids], ["position"]
        )
        kept: list[Capability] = []
        added: list[Capability] = []
        for cap_values in rows.capabilities:
            current = existing.get(cap_values["capability_id"])
            if current is None:
                added.append(Capability(artifact=artifact, **cap_values))
                continue
            for key, value in cap_values.items():
                setattr(current, key, value)
            kept.append(current)
        # Two statements for every capability, not one per capability. Bulk writes send
        # no post_save, so the capability-text clock moves here, once (registry.signals).
        if kept:
            fields = sorted({key for cap_values in rows.capabilities for key in cap_values})
            Capability.objects.bulk_update(kept, fields)
        Capability.objects.bulk_create(added)
        if kept or added:
            clock_tick("capability_texts")

        trust = Trust.objects.filter(artifact=artifact).first() or Trust(artifact=artifact)
        for key, value in trust_values.items():
            setattr(trust, key, value)
        trust.save()
        artifact.trust = trust
        facets_sync(artifact=artifact)
        family_sync(artifact=artifact)
        warnings: list[dict[str, Any]] = list(ignored)
        if refresh:
            warnings += artifacts_refresh(artifact_ids=[artifact.pk]).warnings[artifact.pk]
    return ImportOutcome(status=status, slug=slug, warnings=warnings)
