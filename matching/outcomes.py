"""Counting logged resolves and feedback into capabilities and their artifacts' trust.

A round has two steps, so that no transaction of it holds the database for long (on
SQLite a transaction is the one writer, and every resolve writes its log: a round that
re-signed fifty passports in one transaction held every resolve for a second or more):

1. count (outcomes_count): one transaction claims the unapplied resolve logs and
   feedback, locks the artifacts they name (registry.refresh.artifacts_lock, the order
   every writer locks in), adds the counts to the capabilities and leaves an
   OutcomesPending row per artifact; no trust, no document, no signature;
2. publish (outcomes_publish): each pending artifact is refreshed by
   registry.refresh.artifacts_refresh in a transaction of its own (trust from its
   capabilities, content, one signed version), which deletes its OutcomesPending row.

Counted exactly once: the claim and the counts commit together. Each passport gets at
most one version per round, however many resolves named it. Signing is checked before
anything is counted, so with no usable key everything stays pending; a failure while
publishing leaves the OutcomesPending rows, and the next round publishes them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from core.time import timestamp
from passports.services import signing_ready
from registry.models import Artifact, Capability
from registry.refresh import artifacts_lock, artifacts_refresh, refresh_yield
from registry.trust import artifact_success_rate, capability_success_rate

from .models import Feedback, OutcomesPending, ResolveLog

TOP_INTENTS = 5
COUNTED_FIELDS = [
    "matches",
    "avg_confidence",
    "top_intents",
    "last_matched_at",
    "feedback_count",
    "successes",
    "success_rate",
]


def outcomes_apply(*, batch: int = 100_000) -> int:
    """Count unapplied resolves and feedback (up to `batch` rows of each kind) into
    capabilities, then refresh and sign each artifact they touched once.

    Beat runs it every OUTCOMES_INTERVAL_SECONDS. Raises SigningUnavailable, counting
    nothing, when no version could be signed. Returns the number of resolve logs and
    feedback rows applied (0 when none named a capability).
    """
    signing_ready()
    now = datetime.now(tz=UTC)
    applied = outcomes_count(batch=batch, now=now)
    outcomes_publish(now=now)
    return applied


def outcomes_count(*, batch: int = 100_000, now: datetime | None = None) -> int:
    """Step 1: claim unapplied resolve logs and feedback and add them to the capabilities
    they name, in one transaction; mark those capabilities' artifacts OutcomesPending.
    Returns the number of rows applied (0 when none named a capability)."""
    now = now or datetime.now(tz=UTC)
    stamp = timestamp(now)
    matched: dict[str, list[tuple[float, str]]] = defaultdict(list)
    judged: dict[str, list[bool]] = defaultdict(list)
    with transaction.atomic():
        logs = _claim_rows(ResolveLog, batch=batch, now=now)
        feedback = _claim_rows(Feedback, batch=batch, now=now)
        for log in logs:
            for result in log.results:
                matched[result["capability_id"]].append(
                    (float(result["confidence"]), result["matched_text"])
                )
        for item in feedback:
            # A repeat from a client whose report on this model already counted
            # within FEEDBACK_DEDUP_SECONDS is kept but not counted (feedback._window_take).
            if item.counted:
                judged[item.capability_id].append(item.outcome == Feedback.Outcome.SUCCESS)
        touched = set(matched) | set(judged)
        if not touched:
            return 0
        artifact_ids = artifacts_lock(
            artifact_ids=Capability.objects.filter(capability_id__in=touched).values_list(
                "artifact_id", flat=True
            )
        )
        # Read once the artifacts are locked: a probe round writes the same rows under
        # the same locks (registry.refresh explains why the read comes after the lock).
        caps = list(
            Capability.objects.filter(artifact_id__in=artifact_ids, capability_id__in=touched)
        )
        for cap in caps:
            seen = matched.get(cap.capability_id, [])
            if seen:
                total = cap.avg_confidence * cap.matches + sum(c for c, _t in seen)
                cap.matches += len(seen)
                cap.avg_confidence = round(total / cap.matches, 4)
                cap.top_intents = _merge_top(cap.top_intents, [t for _c, t in seen])
                cap.last_matched_at = stamp
            outcomes = judged.get(cap.capability_id, [])
            if outcomes:
                cap.feedback_count += len(outcomes)
                cap.successes += sum(outcomes)
                cap.success_rate = capability_success_rate(cap)
        # Counts only (no capability text): the matching index's clock does not move.
        # One UPDATE per row, by its key. Not bulk_update: it builds and compiles a CASE
        # with a WHEN per row for each field, in Python, about 0.8 ms a row against 0.15
        # (95 capabilities: 120 ms against 14; 1,000: 850 against 150; the SQL itself is a
        # few ms either way). On SQLite this transaction is the one writer, and every
        # resolve waiting to log itself waited for all of it (bench/resolve_stalls.py).
        for cap in caps:
            Capability.objects.filter(pk=cap.pk).update(
                **{name: getattr(cap, name) for name in COUNTED_FIELDS}
            )
        OutcomesPending.objects.bulk_create(
            [OutcomesPending(artifact_id=pk, counted_at=now) for pk in artifact_ids],
            ignore_conflicts=True,  # still pending from a round that failed to publish
        )
    return len(logs) + len(feedback)


def outcomes_publish(*, now: datetime | None = None) -> int:
    """Step 2: refresh each OutcomesPending artifact (trust, content, at most one signed
    version) in a transaction of its own, which takes its pending row; between two,
    registry.refresh.refresh_yield lets a waiting request write first (SQLite).
    Returns the number of versions signed."""
    pending = list(
        OutcomesPending.objects.order_by("artifact_id").values_list("artifact_id", flat=True)
    )
    signed = 0
    for position, artifact_id in enumerate(pending):
        if position:
            refresh_yield()

        def claim(artifact_id: int = artifact_id) -> list[int]:
            # The artifact first, then its pending row: the order outcomes_count takes
            # them in, so a count and a publish over one artifact cannot deadlock.
            artifacts_lock(artifact_ids=[artifact_id])
            taken, _ = OutcomesPending.objects.filter(artifact_id=artifact_id).delete()
            return [artifact_id] if taken else []  # another publisher took it

        refreshed = artifacts_refresh(claim=claim, apply=_trust_apply, now=now)
        signed += len(refreshed.signed)
    return signed


def _trust_apply(artifact: Artifact) -> None:
    trust_outcomes_apply(artifact=artifact)


def _claim_rows(
    model: type[ResolveLog] | type[Feedback], *, batch: int, now: datetime
) -> list[Any]:
    """Up to `batch` unapplied rows, locked (rows another applier holds are skipped) and
    marked applied. Caller is inside the transaction that applies them."""
    ids = list(
        model.objects.select_for_update(skip_locked=True)
        .filter(applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return []
    # Conditional: on a database without row locks (SQLite) a row another applier
    # took meanwhile is not taken twice.
    model.objects.filter(pk__in=ids, applied_at__isnull=True).update(applied_at=now)
    return list(model.objects.filter(pk__in=ids, applied_at=now).order_by("pk"))


def _merge_top(current: list[str], new: list[str]) -> list[str]:
    """Most-matched intent lines first: new matches move a line up; ties keep the older order,
    and lines new to the list tie in the order they were first matched. (Not a set: its
    order follows string hashing, which differs between processes, and the list is signed.)"""
    order = {text: i for i, text in enumerate(current)}
    counts = Counter(new)
    ranked = sorted(
        dict.fromkeys([*current, *new]),
        key=lambda t: (-counts.get(t, 0), order.get(t, len(order))),
    )
    return ranked[:TOP_INTENTS]


def trust_outcomes_apply(*, artifact: Artifact) -> None:
    """An artifact's observed outcomes, from its capabilities' measured ones.

    An `apply` step of registry.refresh: the refresh saves the trust row.
    """
    caps = list(Capability.objects.filter(artifact=artifact).order_by("position"))
    trust = artifact.trust
    trust.matches = sum(c.matches for c in caps)
    trust.success_rate = artifact_success_rate(caps, trust.probe_outcomes)
    trust.avg_confidence = (
        round(sum(c.avg_confidence * c.matches for c in caps) / trust.matches, 4)
        if trust.matches
        else 0
    )
    trust.top_intents = _merge_top(
        [], [t for c in caps for t in c.top_intents for _ in range(max(1, c.matches))]
    )
    stamps = [c.last_matched_at for c in caps if c.last_matched_at]
    trust.last_matched_at = max(stamps) if stamps else None
    sources = dict(trust.component_sources or {})
    if trust.matches:
        sources["match_graph"] = "measured"  # evidence replaces the imported value
    trust.component_sources = sources
