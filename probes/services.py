"""Probe writes: schedule a slot, run one probe, trip or close the breaker.

A run is unique per (endpoint, kind, slot) and claimed with a conditional
UPDATE (pending -> running -> done); a claim older than
PROBE_CLAIM_TIMEOUT_SECONDS belonged to a dead worker and may be taken over.
A run finished under a claim that was taken over is discarded, so a result
is never recorded twice. Aggregation into the passport is in probes.outcomes.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from registry.models import ProviderEndpoint

from . import kinds as probe_kinds
from .client import (
    REFUSED,
    ChatAnswer,
    ProbeCallError,
    RetryPolicy,
    chat_completion,
    make_client,
    redact,
    with_retries,
)
from .egress import Refused, endpoint_check
from .models import EndpointBreaker, ProbeRun
from .ratelimit import rate_limit_wait

logger = logging.getLogger(__name__)


def slot_start(now: datetime) -> datetime:
    """The start of the schedule window holding `now` (floor(now / PROBE_INTERVAL_SECONDS))."""
    interval = settings.PROBE_INTERVAL_SECONDS
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % interval, tz=UTC)


def breaker_open(breaker: EndpointBreaker | None, now: datetime) -> bool:
    """Open and still cooling down: the endpoint is not called."""
    if breaker is None or breaker.opened_at is None:
        return False
    cooldown = timedelta(seconds=settings.PROBE_BREAKER_COOLDOWN_SECONDS)
    return now < breaker.opened_at + cooldown


def endpoint_refusal(endpoint: ProviderEndpoint, *, resolve: bool) -> str | None:
    """Why the operator's rules (PROBE_KEY_ENVS, PROBE_ALLOW_LOOPBACK; probes.egress)
    refuse a call to `endpoint` now, or None. With `resolve`, its host's addresses too."""
    try:
        endpoint_check(
            base_url=endpoint.base_url,
            api_key_env=endpoint.api_key_env,
            allowed_key_envs=settings.PROBE_KEY_ENVS,
            allow_loopback=settings.PROBE_ALLOW_LOOPBACK,
            resolve=resolve,
        )
    except Refused as exc:
        return exc.message
    return None


def api_key_missing(endpoint: ProviderEndpoint) -> bool:
    """Only for an endpoint whose key variable the rules allow: no other is ever read."""
    return bool(endpoint.api_key_env) and not os.environ.get(endpoint.api_key_env)


@dataclass
class ScheduleReport:
    slot: datetime
    run_ids: list[int] = field(default_factory=list)
    created: int = 0
    skipped_no_key: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    paused: list[str] = field(default_factory=list)
    over_budget: int = 0


def probe_schedule(
    *,
    now: datetime | None = None,
    slug: str | None = None,
    kinds: list[str] | None = None,
    budget: int | None = None,
) -> ScheduleReport:
    """Create this slot's runs (insert-or-skip) for probeable endpoints; return pending ids.

    Least recently probed endpoints first; at most `budget` new runs. Endpoints
    the rules refuse (key variable, URL; no DNS here, the call checks addresses),
    endpoints whose API key is not in the environment and paused endpoints are
    left out (reported, not failed). A paused endpoint past its cool-down gets
    one chat run as a trial.
    """
    now = now or timezone.now()
    slot = slot_start(now)
    budget = settings.PROBE_BUDGET_PER_RUN if budget is None else budget
    report = ScheduleReport(slot=slot)
    endpoints = (
        ProviderEndpoint.objects.filter(probe_enabled=True, protocol="openai-chat")
        .exclude(base_url="")
        .select_related("artifact", "probe_breaker")
        # The endpoint's own latest slot (its runs, by the (endpoint, kind, slot)
        # unique index), not a GROUP BY over every run ever made.
        .annotate(
            last_slot=Subquery(
                ProbeRun.objects.filter(endpoint=OuterRef("pk"))
                .order_by("-slot")
                .values("slot")[:1]
            )
        )
        .order_by(F("last_slot").asc(nulls_first=True), "pk")
    )
    if slug:
        endpoints = endpoints.filter(artifact__slug=slug)
    existing = set(ProbeRun.objects.filter(slot=slot).values_list("endpoint_id", "kind"))
    new_runs: list[ProbeRun] = []
    chosen: list[int] = []
    for endpoint in endpoints:
        label = f"{endpoint.artifact.slug} {endpoint.provider}:{endpoint.model_name}"
        refusal = endpoint_refusal(endpoint, resolve=False)
        if refusal is not None:
            report.refused.append((label, refusal))
            continue
        if api_key_missing(endpoint):
            report.skipped_no_key.append(label)
            continue
        breaker = getattr(endpoint, "probe_breaker", None)
        if breaker_open(breaker, now):
            report.paused.append(label)
            continue
        wanted = kinds or probe_kinds.kinds_for(endpoint.artifact.input_modalities)
        if breaker is not None and breaker.opened_at is not None:
            wanted = [probe_kinds.Kind.CHAT.value]  # half-open: one trial
        chosen.append(endpoint.pk)
        for kind in wanted:
            if (endpoint.pk, kind) in existing:
                continue
            if len(new_runs) >= budget:
                report.over_budget += 1
                continue
            new_runs.append(
                ProbeRun(endpoint=endpoint, artifact_id=endpoint.artifact_id, kind=kind, slot=slot)
            )
    ProbeRun.objects.bulk_create(new_runs, ignore_conflicts=True)
    report.created = len(new_runs)
    runs = ProbeRun.objects.filter(slot=slot, endpoint_id__in=chosen, state=ProbeRun.State.PENDING)
    if kinds:
        runs = runs.filter(kind__in=kinds)
    report.run_ids = list(runs.order_by("pk").values_list("pk", flat=True))
    return report


def runs_to_recover(*, now: datetime | None = None) -> list[int]:
    """Runs of recent slots that nobody finished: pending, or claimed by a dead worker."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.PROBE_CLAIM_TIMEOUT_SECONDS)
    recent = now - timedelta(seconds=settings.PROBE_INTERVAL_SECONDS * 2)
    return list(
        ProbeRun.objects.filter(slot__gte=recent)
        .filter(
            Q(state=ProbeRun.State.PENDING, created_at__lt=now - timedelta(seconds=30))
            | Q(state=ProbeRun.State.RUNNING, claimed_at__lt=stale)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )


def _claim(run_id: int, now: datetime) -> str | None:
    token = uuid.uuid4().hex
    stale = now - timedelta(seconds=settings.PROBE_CLAIM_TIMEOUT_SECONDS)
    claimed = (
        ProbeRun.objects.filter(pk=run_id)
        .filter(
            Q(state=ProbeRun.State.PENDING) | Q(state=ProbeRun.State.RUNNING, claimed_at__lt=stale)
        )
        .update(
            state=ProbeRun.State.RUNNING,
            claim=token,
            claimed_at=now,
            started_at=now,
            claims=F("claims") + 1,
        )
    )
    return token if claimed == 1 else None


@dataclass
class Outcome:
    status: str
    attempts: int = 0
    http_status: int | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error_class: str = ""
    message: str = ""


def _call(run: ProbeRun, api_key: str) -> Outcome:
    endpoint = run.endpoint
    context = endpoint.context_length or endpoint.artifact.context_length or 0
    tokens = settings.PROBE_LONG_CONTEXT_TOKENS
    if context:
        tokens = min(tokens, context // 2)
    probe = probe_kinds.build(run.kind, nonce=probe_kinds.new_nonce(), context_tokens=tokens)
    policy = RetryPolicy(
        max_attempts=settings.PROBE_MAX_ATTEMPTS,
        backoff=settings.PROBE_BACKOFF_SECONDS,
        cap=settings.PROBE_BACKOFF_CAP_SECONDS,
    )
    with make_client(
        connect_timeout=settings.PROBE_CONNECT_TIMEOUT, read_timeout=settings.PROBE_READ_TIMEOUT
    ) as client:

        def once() -> ChatAnswer:
            rate_limit_wait(endpoint.provider)
            return chat_completion(
                client=client,
                base_url=endpoint.base_url,
                model=endpoint.model_name,
                api_key=api_key,
                messages=probe.messages,
                stream=probe.stream,
                max_tokens=probe.max_tokens,
                allow_loopback=settings.PROBE_ALLOW_LOOPBACK,
            )

        try:
            answer = with_retries(once, policy)
        except ProbeCallError as exc:
            refused = exc.error_class == REFUSED
            return Outcome(
                # Refused by our own rules (its host resolves inside): nothing was sent,
                # and it is not the provider failing, so it neither counts nor trips
                # the breaker.
                status=ProbeRun.Status.SKIPPED if refused else ProbeRun.Status.ERROR,
                attempts=0 if refused else getattr(exc, "attempts", 1),
                http_status=exc.http_status,
                error_class=exc.error_class,
                message=exc.message,
            )
    verdict = probe_kinds.check(probe, answer.text)
    return Outcome(
        status=ProbeRun.Status.PASS if verdict.passed else ProbeRun.Status.FAIL,
        attempts=answer.attempts,
        http_status=answer.http_status,
        latency_ms=round(answer.latency_ms, 1),
        ttft_ms=round(answer.ttft_ms, 1) if answer.ttft_ms is not None else None,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        error_class="" if verdict.passed else "wrong_answer",
        message=verdict.reason,
    )


def probe_execute(*, run_id: int, now: datetime | None = None) -> ProbeRun | None:
    """Claim and run one probe; record its result once. None when someone else has it."""
    now = now or timezone.now()
    token = _claim(run_id, now)
    if token is None:
        return None
    run = ProbeRun.objects.select_related("endpoint", "endpoint__artifact").get(pk=run_id)
    endpoint = run.endpoint
    breaker = EndpointBreaker.objects.filter(endpoint=endpoint).first()
    # Checked again at call time: the row may predate the rules or have been edited
    # since it was scheduled. The key variable is read only once it is allowed.
    refusal = endpoint_refusal(endpoint, resolve=False)
    api_key = ""
    if refusal is None and endpoint.api_key_env:
        api_key = os.environ.get(endpoint.api_key_env, "")
    if refusal is not None:
        outcome = Outcome(status=ProbeRun.Status.SKIPPED, error_class=REFUSED, message=refusal)
    elif breaker_open(breaker, now):
        outcome = Outcome(
            status=ProbeRun.Status.SKIPPED,
            error_class="circuit_open",
            message="endpoint paused by the circuit breaker",
        )
    elif api_key_missing(endpoint):
        outcome = Outcome(
            status=ProbeRun.Status.SKIPPED,
            error_class="no_api_key",
            message=f"{endpoint.api_key_env} is not set in the environment",
        )
    else:
        outcome = _call(run, api_key)
    outcome.message = redact(outcome.message, [api_key])[:500]
    finished = timezone.now()
    with transaction.atomic():
        recorded = ProbeRun.objects.filter(
            pk=run_id, claim=token, state=ProbeRun.State.RUNNING
        ).update(
            state=ProbeRun.State.DONE,
            status=outcome.status,
            attempts=outcome.attempts,
            http_status=outcome.http_status,
            latency_ms=outcome.latency_ms,
            ttft_ms=outcome.ttft_ms,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
            error_class=outcome.error_class,
            message=outcome.message,
            finished_at=finished,
        )
        if recorded != 1:
            logger.warning("probe run %s was taken over; this result is discarded", run_id)
            return None
        breaker_record(endpoint=endpoint, status=outcome.status, error_class=outcome.error_class)
    logger.info(
        "probe %s %s %s:%s %s http=%s latency_ms=%s attempts=%s %s",
        run_id,
        run.kind,
        endpoint.provider,
        endpoint.model_name,
        outcome.status,
        outcome.http_status,
        outcome.latency_ms,
        outcome.attempts,
        outcome.error_class,
    )
    run.refresh_from_db()
    return run


def breaker_record(*, endpoint: ProviderEndpoint, status: str, error_class: str) -> None:
    """Count an error towards the breaker; an answer closes it. Caller holds a transaction."""
    if status == ProbeRun.Status.SKIPPED:
        return
    if status != ProbeRun.Status.ERROR:
        breaker_reset(endpoint=endpoint)
        return
    breaker, _created = EndpointBreaker.objects.select_for_update().get_or_create(endpoint=endpoint)
    breaker.consecutive_failures += 1
    threshold = settings.PROBE_BREAKER_THRESHOLD
    if breaker.consecutive_failures >= threshold:  # opens, or reopens after a failed trial
        breaker.opened_at = timezone.now()
        breaker.reason = (
            f"paused by circuit breaker after {breaker.consecutive_failures} consecutive "
            f"failures ({error_class})"
        )
        logger.warning("probe endpoint %s %s", endpoint, breaker.reason)
    breaker.save()


def breaker_reset(*, endpoint: ProviderEndpoint) -> None:
    EndpointBreaker.objects.filter(endpoint=endpoint).update(
        consecutive_failures=0, opened_at=None, reason=""
    )
