"""Thin Celery tasks: each calls one service."""

from __future__ import annotations

from celery import shared_task

from core.tasks import send_quietly


# time_limit: a round signs each passport in a transaction of its own with a pause between
# two (registry.refresh.refresh_yield); one that touched every passport of a full registry
# takes minutes. Stopped by the limit, it loses nothing: what it did not publish stays
# OutcomesPending for the next round.
@shared_task(name="matching.apply_outcomes", acks_late=True, time_limit=900, soft_time_limit=840)
def apply_match_outcomes() -> int:
    from .outcomes import outcomes_apply

    return outcomes_apply()


@shared_task(name="matching.rebuild_index", acks_late=True, time_limit=1800, soft_time_limit=1700)
def rebuild_index() -> str:
    from .indexing import index_refresh

    index, _report = index_refresh()
    return index.state


def enqueue_index_rebuild() -> None:
    send_quietly(rebuild_index)
