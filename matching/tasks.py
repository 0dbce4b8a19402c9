"""Thin Celery tasks: each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


@shared_task(name="matching.apply_outcomes", acks_late=True, time_limit=300, soft_time_limit=240)
def apply_outcomes() -> int:
    from .services import outcomes_apply

    return outcomes_apply()


@shared_task(name="matching.rebuild_index", acks_late=True, time_limit=1800, soft_time_limit=1700)
def rebuild_index() -> str:
    from .services import index_refresh

    index, _report = index_refresh()
    return index.state


def _send(task: object) -> None:
    try:
        task.delay()  # type: ignore[attr-defined]
    except OperationalError as exc:
        # No broker now: outcomes wait for the next run, the index is rebuilt on demand.
        logger.warning("could not enqueue %s: %s", getattr(task, "name", task), exc)


def enqueue_outcomes() -> None:
    _send(apply_outcomes)


def enqueue_index_rebuild() -> None:
    _send(rebuild_index)
