"""Thin Celery tasks of the passports layer."""

from __future__ import annotations

from celery import shared_task


# time_limit: one request per witness with a 10 s timeout, retried once after a 409.
@shared_task(name="passports.push_checkpoint", acks_late=True, time_limit=120, soft_time_limit=100)
def push_checkpoint() -> int:
    from .witnessing import checkpoint_push

    return checkpoint_push()
