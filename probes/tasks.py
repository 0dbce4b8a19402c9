"""Thin Celery tasks: each loads by id and calls one service.

acks_late (settings): a worker killed mid-run leaves its message unacked, so
the broker redelivers it; the run's claim (probes.services) makes the second
delivery take over a stale claim or do nothing.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import transaction

from core.tasks import send_quietly

logger = logging.getLogger(__name__)


# time_limit: longer than the slowest probe (3 attempts x 60 s read timeout plus
# back-off); PROBE_CLAIM_TIMEOUT_SECONDS is longer still, so a live claim is never taken over.
@shared_task(name="probes.run", acks_late=True, time_limit=300, soft_time_limit=280)
def run_probe(*, run_id: int) -> str:
    from .models import ProbeRun
    from .services import probe_execute

    if not ProbeRun.objects.filter(pk=run_id).exists():
        logger.info("probe run %s is gone", run_id)
        return "gone"
    run = probe_execute(run_id=run_id)
    if run is None:
        return "claimed elsewhere"
    transaction.on_commit(enqueue_apply)
    return run.status


@shared_task(name="probes.apply", acks_late=True, time_limit=600, soft_time_limit=570)
def apply_probe_outcomes() -> int:
    from .outcomes import probe_outcomes_apply

    return probe_outcomes_apply()


@shared_task(name="probes.schedule", acks_late=True, time_limit=120, soft_time_limit=110)
def schedule_round() -> int:
    """Beat's entry: this slot's runs, plus any a dead worker left behind."""
    from .services import probe_schedule, runs_to_recover

    report = probe_schedule()
    if report.skipped_no_key:
        logger.info(
            "probes: %s endpoints skipped, their API key is not in the environment",
            len(report.skipped_no_key),
        )
    if report.refused:
        # One line a round, not one per endpoint: a narrowed PROBE_KEY_ENVS can refuse
        # every imported endpoint at once.
        label, why = report.refused[0]
        logger.warning(
            "probes: %s endpoints refused by PROBE_KEY_ENVS / PROBE_ALLOW_LOOPBACK "
            "(`manage.py probe` lists them), first %s: %s",
            len(report.refused),
            label,
            why,
        )
    run_ids = sorted(set(report.run_ids) | set(runs_to_recover()))
    for run_id in run_ids:
        send_quietly(run_probe, run_id=run_id)
    return len(run_ids)


def enqueue_apply() -> None:
    send_quietly(apply_probe_outcomes)


@worker_ready.connect
def _recover_on_start(**kwargs: object) -> None:
    """A worker that starts re-enqueues runs a dead worker left claimed or pending.

    The filesystem transport drops a message once read, so this is what brings
    those runs back there; on Redis it only shortens the wait for visibility_timeout.
    """
    try:
        from .services import runs_to_recover

        for run_id in runs_to_recover():
            send_quietly(run_probe, run_id=run_id)
    except Exception:  # the worker must start even if the database is not ready yet
        logger.exception("probes: recovery on worker start failed")
