"""The one owner of "new evidence -> trust -> content -> signed version".

Every path that changes what a passport says ends here: matching outcomes,
probe outcomes, claim approval, imports, endpoint edits and the admin's breaker
action. Nothing else derives trust or signs. `artifacts_refresh` does, in one
transaction:

1. claim: the caller claims its pending evidence rows (a conditional UPDATE or
   SELECT ... FOR UPDATE SKIP LOCKED) and names the artifacts they touch;
2. lock: those artifacts' rows are locked in primary-key order. Every writer
   that changes an artifact's capabilities, endpoints or trust holds its row
   lock first, and all lock in this order, so two refreshes over overlapping
   artifacts wait for each other instead of deadlocking;
3. apply: the caller's evidence is applied to each locked artifact;
4. trust: measured components and derived fields are recomputed;
5. content: the published content is recomputed, and version N+1 is signed
   only when it differs from the latest signed version.

A failure anywhere (SigningUnavailable, a database error) rolls all of it
back: claimed evidence stays pending and is counted by the next run, once.

`signing_deferred()` lets a bulk import (bootstrap) postpone step 5's signature
(and the catalog importers steps 4 and 5: `artifact_refresh_later`);
`versions_sign_pending()` then derives and signs each changed artifact once, so a
fresh install serves every passport at version 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from passports.models import PassportVersion
from passports.services import passport_publish

from . import trust as trust_rules
from .documents import CAPABILITY_LIST_KEYS, content_digest, passport_content
from .models import Artifact, Capability, ImportWarning
from .trust import COMPONENTS

logger = logging.getLogger(__name__)

_signing_deferred: ContextVar[bool] = ContextVar("signing_deferred", default=False)


@contextmanager
def signing_deferred() -> Iterator[None]:
    """Within this block refreshes recompute trust and content but sign nothing, and the
    catalog importers leave even that to the end (`artifact_refresh_later`).

    The caller signs afterwards with versions_sign_pending(): a bulk import that
    touches an artifact several times then derives and signs it once.
    """
    token = _signing_deferred.set(True)
    try:
        yield
    finally:
        _signing_deferred.reset(token)


def artifact_refresh_later(*, artifact_id: int, written: bool) -> bool:
    """Under `signing_deferred()`: True, and, if the import `written` to the artifact,
    its content is marked as not derived yet; versions_sign_pending() derives its trust
    and content and signs it, once, after the import. Outside it: False, and the caller
    refreshes now.

    The mark is in the row (an empty content digest, which no signed version carries),
    not in memory: an import cut off before the signing pass leaves it for the next
    bootstrap's. Caller holds the artifact's transaction.
    """
    if not _signing_deferred.get():
        return False
    if written:
        Artifact.objects.filter(pk=artifact_id).update(content_digest="")
    return True


@dataclass
class Refreshed:
    """What one artifacts_refresh did, by artifact primary key."""

    artifacts: list[int] = field(default_factory=list)  # refreshed, in lock order
    changed: set[int] = field(default_factory=set)  # published content changed
    signed: set[int] = field(default_factory=set)  # a new version was signed
    warnings: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


Apply = Callable[[Artifact], None]


def artifacts_refresh(
    *,
    artifact_ids: Iterable[int] = (),
    claim: Callable[[], Iterable[int]] | None = None,
    apply: Apply | None = None,
    now: datetime | None = None,
    resign: bool = False,
) -> Refreshed:
    """Claim evidence, lock artifacts in pk order, apply, derive trust, sign changed content.

    `claim` runs first inside the transaction and returns the artifact ids its
    claimed evidence touches; `apply(artifact)` runs for each locked artifact
    (artifact.trust loaded, not yet saved: trust is saved once, here). With
    `resign`, a new version is signed with the active key even where the content
    did not change (its latest signer's key was revoked).
    """
    report = Refreshed()
    with transaction.atomic():
        ids = set(artifact_ids)
        if claim is not None:
            ids |= set(claim())
        if not ids:
            return report
        locked = artifacts_lock(artifact_ids=ids)
        # Read the rows only once they are locked, in a statement of their own: on
        # PostgreSQL a row read in the statement that waited for the lock (trust,
        # joined) comes from the snapshot taken before the wait, and saving it
        # would undo what the other writer just committed.
        for artifact in (
            Artifact.objects.filter(pk__in=locked).select_related("trust").order_by("pk")
        ):
            if apply is not None:
                apply(artifact)
            report.artifacts.append(artifact.pk)
            report.warnings[artifact.pk] = _trust_refresh(artifact=artifact, now=now)
            changed, signed = _content_refresh(artifact=artifact, resign=resign)
            if changed:
                report.changed.add(artifact.pk)
            if signed:
                report.signed.add(artifact.pk)
    return report


def artifacts_lock(*, artifact_ids: Iterable[int]) -> list[int]:
    """Lock these artifacts' rows in primary-key order (the order every writer takes them
    in); returns the ids that exist, in that order. Caller is inside a transaction.

    For a writer that changes capabilities in a transaction of its own and leaves trust
    and signing to a later artifacts_refresh of the same artifacts (matching's outcomes).
    """
    return list(
        Artifact.objects.select_for_update()
        .filter(pk__in=set(artifact_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def refresh_yield() -> None:
    """Between two refreshes of a background round: on SQLite, where a transaction is the
    database's one writer, wait REFRESH_PAUSE_SECONDS so that a request waiting to write
    (a resolve logs itself) goes first: it tries again every millisecond (core.sqlite), and
    a writer that begins again at once could keep it waiting for the whole round.
    PostgreSQL locks rows: nothing waits there, and this returns at once."""
    if connection.vendor == "sqlite" and settings.REFRESH_PAUSE_SECONDS > 0:
        time.sleep(settings.REFRESH_PAUSE_SECONDS)


def artifacts_unsigned() -> list[int]:
    """Artifacts whose content has no signed version yet (new, or changed while signing waited)."""
    latest = (
        PassportVersion.objects.filter(artifact_id=OuterRef("pk"))
        .order_by("-number")
        .values("content_digest")[:1]
    )
    return list(
        Artifact.objects.annotate(signed_digest=Subquery(latest))
        .filter(Q(signed_digest__isnull=True) | ~Q(signed_digest=F("content_digest")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _signed_in_batches(
    artifact_ids: list[int],
    *,
    batch: int,
    resign: bool,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Refresh these artifacts one transaction per batch; returns the versions signed."""
    signed = 0
    for start in range(0, len(artifact_ids), batch):
        chunk = artifact_ids[start : start + batch]
        signed += len(artifacts_refresh(artifact_ids=chunk, resign=resign).signed)
        if progress:
            progress(len(chunk))
    return signed


def versions_sign_pending(
    *,
    batch: int = 200,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Sign every artifact whose content is not signed yet (or not derived yet:
    `artifact_refresh_later`); one transaction per batch.

    `on_total` hears how many artifacts wait; `progress(n)` follows each batch.
    Returns the number of versions signed.
    """
    pending = artifacts_unsigned()
    if on_total:
        on_total(len(pending))
    signed = _signed_in_batches(pending, batch=batch, resign=False, progress=progress)
    if signed:
        logger.info("signed %d passport versions", signed)
    return signed


def versions_resign(*, artifact_ids: list[int], batch: int = 200) -> int:
    """Sign a new version of each of these artifacts with the active key, content changed
    or not (their latest signer's key was revoked). Returns the number signed."""
    return _signed_in_batches(artifact_ids, batch=batch, resign=True)


def _days_since(timestamp: str | None, now: datetime) -> float | None:
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (now - moment).total_seconds() / 86400


def _trust_refresh(*, artifact: Artifact, now: datetime | None = None) -> list[dict[str, Any]]:
    """Recompute measured components and derived fields; record disagreements.

    Components the document stated stand ("imported") until evidence replaces
    them; fields the document stated (score, permissions, failure_modes) keep
    their stated values and get a warning where the derivation disagrees.
    Caller holds the artifact's row lock. Returns the warnings.
    """
    now = now or datetime.now(tz=UTC)
    trust = artifact.trust
    capabilities = list(
        Capability.objects.filter(artifact=artifact)
        .order_by("position")
        .values("description", *CAPABILITY_LIST_KEYS)
    )
    probe_statuses = [
        status.get("status") if isinstance(status, dict) else None
        for status in artifact.endpoints.values_list("probe_status", flat=True)
    ]
    probed = trust.probe_outcomes or {}
    probe_passes, probe_runs = trust_rules.probe_figures(probed)
    sources = dict(trust.component_sources or {})
    measured_names = [name for name in COMPONENTS if sources.get(name) != "imported"]
    if measured_names:
        facts_known = sum(
            value not in (None, "", [])
            for value in (
                artifact.context_length,
                artifact.input_modalities,
                artifact.output_modalities,
                artifact.prompt_price,
                artifact.max_output_tokens,
            )
        )
        evidence = trust_rules.Evidence(
            community=trust.community or {},
            listing_completeness=trust_rules.listing_completeness(
                description=artifact.description
                or (capabilities[0]["description"] if capabilities else ""),
                capabilities=capabilities,
                facts_known=facts_known,
            ),
            probe_pass_rate=trust_rules.probe_pass_rate(passes=probe_passes, runs=probe_runs),
            provider_count=len(probe_statuses),
            matches=trust.matches,
            successes=round(trust.matches * trust.success_rate),
            days_since_evidence=_days_since(
                probed.get("last_probed_at")
                or (trust.maintenance or {}).get("updated_at")
                or (artifact.facts_as_of.isoformat() if artifact.facts_as_of else None),
                now,
            ),
        )
        measured = trust_rules.measured_components(evidence)
        for name in measured_names:
            setattr(trust, name, measured[name])
            sources[name] = "measured"
        trust.component_sources = sources
    derived = trust_rules.derive_fields(
        capabilities=capabilities,
        components=trust.components(),
        weights=trust.weights(),
        verified=artifact.verified,
        observed_matches=trust.matches,
        probes_paused="paused" in probe_statuses,
    )
    stated = set(trust.stated_fields or [])
    if "failure_modes" in stated:
        # Status lines are the registry's to keep current, even in a stated list:
        # "no observed match outcomes yet" goes once outcomes are observed.
        status_lines = trust_rules.STATUS_LINES
        current = [line for line in derived.failure_modes if line in status_lines]
        trust.failure_modes = [m for m in trust.failure_modes if m not in status_lines] + current
    warnings: list[dict[str, Any]] = []
    for name in ("score", "permissions", "failure_modes"):
        value = getattr(derived, name)
        if name not in stated:
            setattr(trust, name, value)
        elif getattr(trust, name) != value:
            warnings.append(
                {
                    "code": "derived_mismatch",
                    "field": f"trust.{name}",
                    "message": (
                        f"stated trust.{name} {getattr(trust, name)!r} differs from the "
                        f"derived value {value!r}; the stated value is kept"
                    ),
                    "stated": getattr(trust, name),
                    "derived": value,
                }
            )
    trust.save()
    ImportWarning.objects.filter(artifact=artifact, code="derived_mismatch").delete()
    ImportWarning.objects.bulk_create(
        [ImportWarning(artifact=artifact, source=artifact.source, **w) for w in warnings]
    )
    return warnings


def _content_refresh(*, artifact: Artifact, resign: bool = False) -> tuple[bool, bool]:
    """Recompute the published content; sign version N+1 when it differs from the latest.

    (content changed, version signed). Caller holds the artifact's row lock.
    Signing is checked against the latest signed version, not only against the
    last computed digest, so content left unsigned (deferred, or a crash between
    the two) is signed by the next refresh.
    """
    fresh = (
        Artifact.objects.filter(pk=artifact.pk)
        .select_related("trust")
        .prefetch_related("capabilities", "endpoints", "aliases")
        .get()
    )
    content = passport_content(fresh)
    digest = content_digest(content)
    signed = False
    if not _signing_deferred.get():
        signed = passport_publish(
            artifact=fresh, content=content, content_digest=digest, force=resign
        ).created
    # A new document is a change that a sync (the list's `updated_since`) must see, and
    # update() leaves auto_now alone.
    if digest == artifact.content_digest:
        if signed:
            Artifact.objects.filter(pk=artifact.pk).update(updated_at=timezone.now())
        return False, signed
    artifact.content_digest = digest
    Artifact.objects.filter(pk=artifact.pk).update(content_digest=digest, updated_at=timezone.now())
    return True, signed
