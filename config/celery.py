"""Celery: Redis in production and CI (CELERY_BROKER_URL); kombu's filesystem
transport under var/ when it is unset, so a fresh machine needs no services."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery, Task
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _broker_folders(sender: Celery, **kwargs: object) -> None:
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


app.autodiscover_tasks()


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
