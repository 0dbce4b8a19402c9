"""Writing from a request on SQLite without waking late."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")
POLL_SECONDS = 0.001


def write_promptly(write: Callable[[], T]) -> T:
    """`write()`, a write outside any transaction (a resolve logging itself), taking SQLite's
    one write lock within about a millisecond of its release.

    SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, ... ms between tries: a
    request that finds a background round's 20 ms transaction under way wakes at 33 ms, and
    one that meets a longer one sleeps 25 to 100 ms at a time (bench/resolve_stalls.py: a
    p95 of 35 ms and a maximum of 80 ms for a 1 ms insert). Here the handler is off for the
    write, which is tried again every POLL_SECONDS until the database's timeout (its
    OPTIONS "timeout") has passed, then fails as it would have. Other databases, and a
    write inside a transaction (which holds the lock already, or waits at its BEGIN), run
    `write()` as it is."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return write()
    seconds = float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                return write()
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(POLL_SECONDS)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
