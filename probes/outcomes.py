"""Probe results into the passport: window aggregates, trust score, a new signed version.

Finished runs are claimed with a conditional UPDATE (applied_at) inside
registry.refresh.artifacts_refresh's transaction, one transaction per artifact;
each touched artifact is recomputed from its whole window under its row lock, and
the refresh signs a version only when a published value changed.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.time import timestamp
from registry.models import Artifact, Capability, ProviderEndpoint
from registry.refresh import artifacts_refresh, refresh_yield
from registry.trust import artifact_success_rate, capability_success_rate

from .kinds import capability_kinds
from .models import EndpointBreaker, ProbeRun

logger = logging.getLogger(__name__)


def _percentile(values: list[float], share: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return round(ordered[index])


def window_outcomes(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Published probe figures of finished, non-skipped runs. Pure."""
    if not runs:
        return {}
    passes = sum(run["status"] == ProbeRun.Status.PASS for run in runs)
    latencies = [run["latency_ms"] for run in runs if run["latency_ms"] is not None]
    ttfts = [run["ttft_ms"] for run in runs if run["ttft_ms"] is not None]
    return {
        "probe_runs": len(runs),
        "probe_passes": passes,
        "probe_success_rate": round(passes / len(runs), 4),
        "probe_latency_p50_ms": round(statistics.median(latencies)) if latencies else None,
        "probe_latency_p95_ms": _percentile(latencies, 0.95),
        "probe_ttft_p50_ms": round(statistics.median(ttfts)) if ttfts else None,
        "last_probed_at": timestamp(max(run["slot"] for run in runs)),
        "probe_window_days": round(settings.PROBE_WINDOW_SECONDS / 86400, 2),
    }


def endpoint_status(runs: list[dict[str, Any]], breaker: EndpointBreaker | None) -> dict[str, Any]:
    """The probe object of one served endpoint. Pure, given its runs and breaker."""
    if breaker is not None and breaker.opened_at is not None:
        status: dict[str, Any] = {
            "status": "paused",
            "reason": breaker.reason,
            "paused_at": timestamp(breaker.opened_at),
        }
    elif not runs:
        return {}
    else:
        latest = max(run["slot"] for run in runs)
        last = [run for run in runs if run["slot"] == latest]
        ok = all(run["status"] == ProbeRun.Status.PASS for run in last)
        status = {"status": "passing" if ok else "degraded"}
    figures = window_outcomes(runs)
    status.update(
        runs=figures.get("probe_runs", 0),
        success_rate=figures.get("probe_success_rate"),
        last_probed_at=figures.get("last_probed_at"),
    )
    return status


def _settled(artifact_ids: set[int], now: datetime) -> set[int]:
    """Artifacts with no run still under way (recent pending or running runs wait)."""
    recent = now - timedelta(seconds=settings.PROBE_CLAIM_TIMEOUT_SECONDS)
    busy = set(
        ProbeRun.objects.filter(
            artifact_id__in=artifact_ids,
            state__in=[ProbeRun.State.PENDING, ProbeRun.State.RUNNING],
            created_at__gte=recent,
        ).values_list("artifact_id", flat=True)
    )
    return artifact_ids - busy


def probe_outcomes_apply(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Fold finished runs into their passports through registry.refresh; sign once per artifact.

    Returns the number of runs applied.
    """
    now = now or timezone.now()
    pending = list(
        ProbeRun.objects.filter(state=ProbeRun.State.DONE, applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "artifact_id")[:batch]
    )
    ready = _settled({artifact_id for _pk, artifact_id in pending}, now)
    runs_of: dict[int, list[int]] = defaultdict(list)
    for pk, artifact_id in pending:
        if artifact_id in ready:
            runs_of[artifact_id].append(pk)
    claimed = signed = 0
    # One transaction per artifact (its runs claimed and applied together, one version at
    # most), not one for the round: on SQLite a transaction holds every other writer, a
    # resolve logging itself included, and a round over many passports took seconds.
    for position, (artifact_id, ids) in enumerate(sorted(runs_of.items())):
        if position:
            refresh_yield()

        def claim(artifact_id: int = artifact_id, ids: list[int] = ids) -> set[int]:
            # Inside the refresh's transaction: a failure leaves the runs unapplied.
            nonlocal claimed
            taken = ProbeRun.objects.filter(pk__in=ids, applied_at__isnull=True).update(
                applied_at=now
            )
            claimed += taken
            return {artifact_id} if taken else set()

        refreshed = artifacts_refresh(
            claim=claim,
            apply=lambda artifact: probe_evidence_apply(artifact=artifact, now=now),
            now=now,
        )
        signed += len(refreshed.signed)
    if signed:
        logger.info("probes: %d runs applied, %d passports re-signed", claimed, signed)
    return claimed


def probe_evidence_apply(*, artifact: Artifact, now: datetime | None = None) -> None:
    """Recompute an artifact's probe figures and endpoint statuses from its window.

    An `apply` step of registry.refresh.artifacts_refresh: the caller holds the
    artifact's row lock, and the refresh then derives trust and signs.
    """
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.PROBE_WINDOW_SECONDS)
    runs: list[dict[str, Any]] = [
        dict(run)
        for run in ProbeRun.objects.filter(
            artifact=artifact, state=ProbeRun.State.DONE, slot__gte=since
        )
        .exclude(status=ProbeRun.Status.SKIPPED)
        .values("endpoint_id", "kind", "status", "latency_ms", "ttft_ms", "slot")
    ]
    trust = artifact.trust
    trust.probe_outcomes = window_outcomes(runs)
    sources = dict(trust.component_sources or {})
    if runs:
        sources["quality"] = "measured"  # probe evidence replaces an imported quality
    trust.component_sources = sources  # the refresh saves the trust row

    by_endpoint: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        by_endpoint[run["endpoint_id"]].append(run)
    breakers = {
        b.endpoint_id: b for b in EndpointBreaker.objects.filter(endpoint__artifact=artifact)
    }
    for endpoint in ProviderEndpoint.objects.filter(artifact=artifact):
        status = endpoint_status(by_endpoint.get(endpoint.pk, []), breakers.get(endpoint.pk))
        if status != endpoint.probe_status:
            endpoint.probe_status = status
            endpoint.save(update_fields=["probe_status", "updated_at"])

    caps = list(Capability.objects.filter(artifact=artifact))
    for cap in caps:
        kinds = capability_kinds(
            {
                "name": cap.name,
                "description": cap.description,
                "intents": cap.intents,
                "input_types": cap.input_types,
                "output_types": cap.output_types,
            }
        )
        counted = [run for run in runs if run["kind"] in kinds]
        figures = (len(counted), sum(run["status"] == ProbeRun.Status.PASS for run in counted))
        if figures != (cap.probe_runs, cap.probe_passes):
            cap.probe_runs, cap.probe_passes = figures
            cap.success_rate = capability_success_rate(cap)
            cap.save(update_fields=["probe_runs", "probe_passes", "success_rate"])
    trust.success_rate = artifact_success_rate(caps, trust.probe_outcomes)
