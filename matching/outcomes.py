"""Counting logged resolves and feedback into capabilities and their artifacts' trust."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

from django.db import transaction

from core.time import timestamp
from registry.models import Artifact, Capability
from registry.services import content_refresh, trust_refresh
from registry.trust import artifact_success_rate, capability_success_rate

from .models import Feedback, ResolveLog

TOP_INTENTS = 5


def outcomes_apply(*, batch: int = 500) -> int:
    """Count unapplied resolves and feedback into capabilities and trust; sign once per artifact.

    Safe to run concurrently: rows are claimed with a conditional UPDATE.
    Returns the number of resolve logs and feedback rows applied.
    """
    now = datetime.now(tz=UTC)
    stamp = timestamp(now)
    log_ids = list(
        ResolveLog.objects.filter(applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    claimed_logs = list(
        ResolveLog.objects.filter(pk__in=log_ids, applied_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    claimed = ResolveLog.objects.filter(pk__in=claimed_logs, applied_at__isnull=True).update(
        applied_at=now
    )
    logs = list(ResolveLog.objects.filter(pk__in=claimed_logs, applied_at=now)) if claimed else []
    feedback_ids = list(
        Feedback.objects.filter(applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    Feedback.objects.filter(pk__in=feedback_ids, applied_at__isnull=True).update(applied_at=now)
    feedback = list(Feedback.objects.filter(pk__in=feedback_ids, applied_at=now))

    matched: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    for log in logs:
        for result in log.results:
            matched[result["capability_id"]].append(
                (float(result["confidence"]), result["matched_text"], log.created_at.isoformat())
            )
    judged: dict[str, list[bool]] = defaultdict(list)
    for item in feedback:
        judged[item.capability_id].append(item.outcome == Feedback.Outcome.SUCCESS)
    touched = set(matched) | set(judged)
    if not touched:
        return 0
    artifacts: set[int] = set()
    with transaction.atomic():
        for cap in Capability.objects.select_for_update().filter(capability_id__in=touched):
            seen = matched.get(cap.capability_id, [])
            if seen:
                total = cap.avg_confidence * cap.matches + sum(c for c, _t, _w in seen)
                cap.matches += len(seen)
                cap.avg_confidence = round(total / cap.matches, 4)
                cap.top_intents = _merge_top(cap.top_intents, [t for _c, t, _w in seen])
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
            artifacts.add(cap.artifact_id)
        for artifact in (
            Artifact.objects.select_for_update(of=("self",))
            .filter(pk__in=artifacts)
            .select_related("trust")
        ):
            trust_outcomes_refresh(artifact=artifact)
            trust_refresh(artifact=artifact)
            content_refresh(artifact=artifact)
    return len(logs) + len(feedback)


def _merge_top(current: list[str], new: list[str]) -> list[str]:
    """Most-matched intent lines first: new matches move a line up; ties keep the older order."""
    order = {text: i for i, text in enumerate(current)}
    counts = Counter(new)
    ranked = sorted(
        set(current) | set(new), key=lambda t: (-counts.get(t, 0), order.get(t, len(order)))
    )
    return ranked[:TOP_INTENTS]


def trust_outcomes_refresh(*, artifact: Artifact) -> None:
    """An artifact's observed outcomes, from its capabilities' measured ones."""
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
    trust.save()
