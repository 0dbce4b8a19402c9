"""Counting logged resolves and feedback into capabilities and their artifacts' trust.

The counting is an `apply` step of registry.refresh.artifacts_refresh: rows are
claimed, counted, and the passports re-signed in one transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from core.time import timestamp
from registry.models import Artifact, Capability
from registry.refresh import artifacts_refresh
from registry.trust import artifact_success_rate, capability_success_rate

from .models import Feedback, ResolveLog

TOP_INTENTS = 5


def outcomes_apply(*, batch: int = 100_000) -> int:
    """Count unapplied resolves and feedback into capabilities and trust; sign once per artifact.

    Everything happens in registry.refresh.artifacts_refresh's one transaction:
    the rows are claimed there (locked, skipping rows another applier holds,
    and marked applied), so a failure anywhere leaves them pending and the
    next run counts them exactly once. Beat runs it every OUTCOMES_INTERVAL_SECONDS;
    everything pending (up to `batch` rows of each kind) is counted in one refresh,
    so a passport gets one new version per round however many resolves named it.
    Returns the number of resolve logs and feedback rows applied (0 when none
    named a capability).
    """
    now = datetime.now(tz=UTC)
    stamp = timestamp(now)
    matched: dict[str, list[tuple[float, str]]] = defaultdict(list)
    judged: dict[str, list[bool]] = defaultdict(list)
    applied = 0

    def claim() -> set[int]:
        nonlocal applied
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
        applied = len(logs) + len(feedback) if touched else 0
        return set(
            Capability.objects.filter(capability_id__in=touched).values_list(
                "artifact_id", flat=True
            )
        )

    def apply(artifact: Artifact) -> None:
        for cap in Capability.objects.filter(
            artifact=artifact, capability_id__in=matched.keys() | judged.keys()
        ):
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
            cap.save(
                update_fields=[
                    "matches",
                    "avg_confidence",
                    "top_intents",
                    "last_matched_at",
                    "feedback_count",
                    "successes",
                    "success_rate",
                ]
            )
        trust_outcomes_apply(artifact=artifact)

    artifacts_refresh(claim=claim, apply=apply, now=now)
    return applied


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
    """Most-matched intent lines first: new matches move a line up; ties keep the older order."""
    order = {text: i for i, text in enumerate(current)}
    counts = Counter(new)
    ranked = sorted(
        set(current) | set(new), key=lambda t: (-counts.get(t, 0), order.get(t, len(order)))
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
