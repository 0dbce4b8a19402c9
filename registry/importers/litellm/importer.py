"""`litellm_import`: read LiteLLM's price map, route every entry, write, summarise.

Transactions, in this order:
1. one per entry attached to an existing artifact: lock it, upsert the endpoint;
2. one per artifact of LiteLLM's own: import its passport, apply its facts,
   upsert its endpoints and `artifact_finish` it, together;
3. one per existing artifact that gained endpoints in (1): lock it and
   `artifact_finish` it, once, after all its endpoints are in.
A rejected entry or group rolls back its own transaction only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from passports.canonical import DocumentError, parse_json

from ...listings import artifact_rename
from ...models import Artifact, Source
from ...naming import LiteLLMName, litellm_name
from ...services import DocumentRejected, passport_import
from ..catalog import artifact_finish, catalog_endpoint_upsert, fact_values, facts_apply
from ..derive import CatalogFacts, catalog_document, slug_from_id
from ..summary import ImportSummary
from .facts import endpoint_values, entry_facts, group_facts
from .names import _DATE_SUFFIX, ArtifactIndex, Entry, model_path, normalise_name

PLACEHOLDER_KEYS = {"sample_spec"}


@dataclass
class Routes:
    """Where the valid entries go: to an existing artifact, or to one of their own."""

    attached: list[tuple[Entry, str, int]] = field(default_factory=list)  # entry, rule, pk
    family_matches: list[tuple[str, int]] = field(default_factory=list)  # key, pk
    # normalised model name -> the entries that share an artifact of their own
    own: defaultdict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))


def litellm_import(
    *,
    data: bytes,
    label: str,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one price map `data` (named `label` in the summary); idempotent.

    `on_total` hears the number of keys once they are read; `progress(1)` follows
    each endpoint written.
    """
    summary = ImportSummary(source=f"litellm {label}")
    records = _records_read(data=data, label=label, summary=summary)
    if records is None:
        return summary
    if on_total:
        on_total(len(records))
    routes = _entries_route(records=records, summary=summary)
    _family_matches_report(routes=routes, summary=summary)
    touched = _endpoints_attach(attached=routes.attached, summary=summary, progress=progress)
    status_by_pk = _own_artifacts_import(own=routes.own, summary=summary, progress=progress)
    _touched_finish(touched=touched, summary=summary)
    for status in status_by_pk.values():
        summary.count(f"artifacts {status}")
    summary.notes.append(
        f"{len(routes.attached)} entries attached to {len(touched)} existing artifacts; "
        f"{sum(len(v) for v in routes.own.values())} entries in {len(routes.own)} "
        "artifacts of their own"
    )
    return summary


def _records_read(*, data: bytes, label: str, summary: ImportSummary) -> dict[str, Any] | None:
    """The price map's entries by key; None, with the reason in `summary`, if unreadable."""
    try:
        parsed = parse_json(data, max_bytes=settings.CATALOG_MAX_BYTES)
    except DocumentError as exc:
        summary.reject(label, exc.message, exc.field)
        return None
    if not isinstance(parsed, dict):
        summary.reject(label, "expected an object of model entries keyed by model name")
        return None
    return parsed


def _entry_read(
    *, key: str, record: Any, providers: set[str], summary: ImportSummary
) -> Entry | None:
    """The entry under `key`; None, with the reason in `summary`, if it is not a model."""
    if key in PLACEHOLDER_KEYS:
        summary.reject(key, "documentation placeholder describing the format, not a model")
        return None
    if not isinstance(record, dict):
        summary.reject(key, "entry must be an object")
        return None
    provider = record.get("litellm_provider")
    if not isinstance(provider, str) or not provider.strip():
        summary.reject(key, "missing litellm_provider", "litellm_provider")
        return None
    if len(key) > 300:
        summary.reject(key[:80] + "...", "key longer than 300 characters")
        return None
    path = model_path(key, provider, providers)
    if not path.split("/")[-1].strip():
        summary.reject(key, "no model name after the provider prefix")
        return None
    return Entry(key=key, provider=provider, path=path, model=path.split("/")[-1], record=record)


def _entries_route(*, records: dict[str, Any], summary: ImportSummary) -> Routes:
    """Read every entry in key order and decide which artifact it serves (names.py's rule)."""
    providers = {
        record["litellm_provider"]
        for record in records.values()
        if isinstance(record, dict) and isinstance(record.get("litellm_provider"), str)
    }
    index = ArtifactIndex()
    routes = Routes()
    for key in sorted(records):
        summary.records += 1
        entry = _entry_read(key=key, record=records[key], providers=providers, summary=summary)
        if entry is None:
            continue
        rule, candidates = index.match(entry)
        if len(candidates) == 1:
            pk = next(iter(candidates))
            routes.attached.append((entry, rule, pk))
            if rule == "family":
                routes.family_matches.append((key, pk))
            continue
        if len(candidates) > 1:
            slugs = sorted(
                Artifact.objects.filter(pk__in=candidates).values_list("slug", flat=True)
            )
            summary.ambiguous.append(
                {
                    "key": key,
                    "reason": (
                        f"{rule} fits {len(slugs)} artifacts ({', '.join(slugs[:5])}); "
                        "given its own artifact"
                    ),
                }
            )
        group = _listing_of(entry).group
        routes.own[normalise_name(group) or group.lower()].append(entry)
    return routes


def _listing_of(entry: Entry) -> LiteLLMName:
    mode = entry.record.get("mode")
    return litellm_name(
        path=entry.path, provider=entry.provider, mode=mode if isinstance(mode, str) else "chat"
    )


def _variant_of(entry: Entry) -> str:
    """A dated key of a model is a snapshot of it: "snapshot 2024-08-06"; a key that says it is
    the free one (`...-Free`, `...:free`) is the free variant."""
    if re.search(r"[-:]free$", entry.model.lower()):
        return "free"
    dated = _DATE_SUFFIX.search(entry.model.lower())
    if dated and normalise_name(entry.model, keep_date=True) != normalise_name(entry.model):
        return f"snapshot {dated.group(1)}"
    return ""


def _family_matches_report(*, routes: Routes, summary: ImportSummary) -> None:
    """List family-name attachments first among the ambiguous, for a person to check."""
    slug_of = dict(
        Artifact.objects.filter(pk__in={pk for _key, pk in routes.family_matches}).values_list(
            "pk", "slug"
        )
    )
    summary.ambiguous[:0] = [
        {
            "key": key,
            "reason": f"attached to {slug_of[pk]} by family name; sizes or variants differ",
        }
        for key, pk in routes.family_matches
    ]


def _endpoints_attach(
    *,
    attached: list[tuple[Entry, str, int]],
    summary: ImportSummary,
    progress: Callable[[int], None] | None,
) -> dict[int, bool]:
    """Upsert each attached entry's endpoint; the pks of the artifacts that gained one
    (and whether anything of theirs was written).

    Those artifacts are finished later, once each, by `_touched_finish`.
    """
    touched: dict[int, bool] = {}  # pk -> whether an endpoint of it was written
    for entry, rule, pk in attached:
        facts = entry_facts(entry, entry.model)
        try:
            with transaction.atomic():
                artifact = Artifact.objects.select_for_update().get(pk=pk)
                written = catalog_endpoint_upsert(
                    artifact=artifact,
                    source=Source.LITELLM,
                    source_key=entry.key,
                    values={**endpoint_values(entry, facts, rule), "variant": _variant_of(entry)},
                )
        except DocumentRejected as exc:
            summary.reject(entry.key, exc.message, exc.field)
            continue
        touched[pk] = touched.get(pk, False) or written
        summary.count("endpoint")
        if progress:
            progress(1)
    return touched


def _own_artifacts_import(
    *,
    own: dict[str, list[Entry]],
    summary: ImportSummary,
    progress: Callable[[int], None] | None,
) -> dict[int, str]:
    """One artifact per normalised model name; its status (created, updated, unchanged) by pk."""
    status_by_pk: dict[int, str] = {}
    for _group, entries in sorted(own.items()):
        names = [_listing_of(entry) for entry in entries]
        listing = next((n for n in names if n.named), names[0])
        if not listing.named:
            summary.unnamed.append(
                {"name": listing.name, "keys": ", ".join(e.key for e in entries[:5])}
            )
        facts = group_facts(entries, listing.name)
        document = _own_document(
            slug=_own_slug(listing=listing, entries=entries), facts=facts, entries=entries
        )
        try:
            pk, status = _own_artifact_write(document=document, facts=facts, entries=entries)
        except DocumentRejected as exc:
            for entry in entries:
                summary.reject(entry.key, exc.message, exc.field)
            continue
        status_by_pk[pk] = status
        for _entry in entries:
            summary.count("endpoint")
            if progress:
                progress(1)
    return status_by_pk


def _own_slug(*, listing: LiteLLMName, entries: list[Entry]) -> str:
    """The listing's slug: `maker-model` (from registry.naming), free of other sources' slugs.

    An artifact an earlier import gave these entries under another slug (or name) is
    renamed to it; its old slug keeps answering (registry.listings).
    """
    maker = slug_from_id(listing.maker or "")
    # A model only its provider names ("assemblyai/best") is slugged by the provider's word.
    by_provider = listing.group.split("/")[0] in {e.provider for e in entries}
    base = slug_from_id(f"{maker}-{listing.group}" if maker and not by_provider else listing.group)
    wanted = _unique_slug(
        base,
        lambda s: Artifact.objects.filter(slug=s).exclude(source=Source.LITELLM).exists(),
    )
    owned = (
        Artifact.objects.filter(
            source=Source.LITELLM,
            merged_into=None,
            endpoints__source=Source.LITELLM,
            endpoints__source_key__in=[e.key for e in entries],
        )
        .order_by("pk")
        .first()
    )
    if owned is not None and (owned.slug != wanted or owned.name != listing.name):
        if owned.slug != wanted and Artifact.objects.filter(slug=wanted).exists():
            return owned.slug  # taken by another of LiteLLM's own: keep the old slug
        artifact_rename(artifact=owned, slug=wanted, name=listing.name)
    return wanted


def _unique_slug(base: str, taken_by_other: Callable[[str], bool]) -> str:
    slug = base or "model"
    if taken_by_other(slug):
        slug = f"{base}-litellm"
    return slug


def _own_document(*, slug: str, facts: CatalogFacts, entries: list[Entry]) -> dict[str, Any]:
    vendor = entries[0].path.split("/")[0] if "/" in entries[0].path else entries[0].provider
    return catalog_document(
        artifact_id=f"litellm-{slug}",
        slug=slug,
        facts=facts,
        provider=" or ".join(sorted({e.provider for e in entries})[:3]),
        vendor=vendor.lower(),
        url=None,
        as_of=None,
        # A router picks among other models ("azure_ai/model_router").
        type="router" if any("router" in e.model.lower() for e in entries) else "model",
    )


def _own_artifact_write(
    *, document: dict[str, Any], facts: CatalogFacts, entries: list[Entry]
) -> tuple[int, str]:
    """Passport, facts, endpoints and finish in one transaction: (pk, status).

    Raises DocumentRejected, and stores nothing, when the document is refused.
    """
    with transaction.atomic():
        outcome = passport_import(document=document, source=Source.LITELLM, refresh=False)
        artifact = Artifact.objects.get(slug=outcome.slug)
        written = outcome.status != "unchanged"
        written |= facts_apply(
            artifact=artifact, values=fact_values(facts, source=Source.LITELLM, as_of=None)
        )
        for entry in entries:
            written |= catalog_endpoint_upsert(
                artifact=artifact,
                source=Source.LITELLM,
                source_key=entry.key,
                values=endpoint_values(entry, entry_facts(entry, entry.model), "own"),
            )
        changed = artifact_finish(artifact=artifact, written=written)
    status = "created" if outcome.status == "created" else ("updated" if changed else "unchanged")
    return artifact.pk, status


def _touched_finish(*, touched: dict[int, bool], summary: ImportSummary) -> None:
    """Finish each existing artifact that gained endpoints, in its own transaction."""
    for pk in sorted(touched):
        with transaction.atomic():
            artifact = Artifact.objects.select_for_update().get(pk=pk)
            changed = artifact_finish(artifact=artifact, written=touched[pk])
        if changed:
            summary.count("artifacts updated")
