"""Reads of probe evidence."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery

from core.time import timestamp_or_none
from registry.models import Artifact

from .models import ProbeRun


def latest_evidence(*, artifact: Artifact) -> list[dict[str, Any]]:
    """The latest finished run per endpoint and kind, newest slot first.

    One dict per (endpoint, kind): provider, model, kind, status, http_status,
    latency_ms, ttft_ms, started_at, finished_at (ISO 8601 UTC), error_class, slot.
    Stable: the passport page and GET /api/v1/passport/<slug>/probes read it.
    """
    done = ProbeRun.objects.filter(state=ProbeRun.State.DONE)
    latest_slot = (
        done.filter(endpoint=OuterRef("endpoint"), kind=OuterRef("kind"))
        .order_by("-slot")
        .values("slot")[:1]
    )
    # Only each (endpoint, kind)'s latest slot is read, however long the history.
    runs = (
        done.filter(artifact=artifact, slot=Subquery(latest_slot))
        .select_related("endpoint")
        .defer("endpoint__raw")
    )
    # One row per (endpoint, kind): its latest slot, and (endpoint, kind, slot) is unique.
    evidence: list[dict[str, Any]] = []
    for run in runs:
        evidence.append(
            {
                "endpoint_id": run.endpoint_id,
                "provider": run.endpoint.provider,
                "model": run.endpoint.model_name,
                "kind": run.kind,
                "status": run.status,
                "http_status": run.http_status,
                "latency_ms": run.latency_ms,
                "ttft_ms": run.ttft_ms,
                "prompt_tokens": run.prompt_tokens,
                "completion_tokens": run.completion_tokens,
                "error_class": run.error_class,
                "message": run.message,
                "slot": timestamp_or_none(run.slot),
                "started_at": timestamp_or_none(run.started_at),
                "finished_at": timestamp_or_none(run.finished_at),
            }
        )
    evidence.sort(key=lambda e: (e["finished_at"] or "", e["provider"], e["kind"]), reverse=True)
    return evidence
