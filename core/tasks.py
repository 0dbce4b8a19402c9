"""Enqueueing Celery tasks from request and service code."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def send_quietly(task: Task, **kwargs: Any) -> None:
    """Enqueue `task`; with no broker reachable, log and go on.

    Callers enqueue work that is recovered anyway (pending probe runs, outcomes
    applied by the next run, an index rebuilt on demand), so a request or a
    round never fails because the broker is down.
    """
    try:
        task.apply_async(kwargs=kwargs)
    except OperationalError as exc:
        logger.warning("could not enqueue %s: %s", task.name, exc)
