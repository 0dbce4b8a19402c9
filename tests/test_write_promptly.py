"""core.db.write_promptly: a request's write on SQLite tries again every millisecond while
another connection holds the write lock, instead of SQLite's busy handler (which sleeps up
to 100 ms at a time), gives up at the database's timeout as before, and leaves the
connection's busy timeout as it found it."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection

from core.db import write_promptly
from matching.models import ResolveLog

SQLITE = connection.vendor == "sqlite"


def _busy_timeout() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return int(cursor.fetchone()[0])


@contextmanager
def _locked() -> Iterator[threading.Event]:
    """Another connection holds the write lock until the event is set."""
    other = sqlite3.connect(connection.settings_dict["NAME"], check_same_thread=False)
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")
    release = threading.Event()

    def hold() -> None:
        release.wait(30)  # bounded: the test sets it
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        yield release
    finally:
        release.set()
        holder.join(30)


def _log() -> Any:
    return ResolveLog.objects.create(resolve_id=uuid.uuid4(), intent="prompt", results=[])


def _counted(attempts: list[int]) -> Any:
    """_log, counting each try in `attempts`."""
    attempts.append(1)
    return _log()


@pytest.mark.django_db(transaction=True)
def test_a_write_waits_for_the_lock_by_trying_again() -> None:
    if not SQLITE:
        attempts: list[int] = []
        write_promptly(lambda: _counted(attempts))
        assert (attempts, ResolveLog.objects.count()) == ([1], 1)
        return
    timeout = _busy_timeout()
    assert timeout == 20_000  # the OPTIONS "timeout" of config.settings, in ms
    attempts = []
    with _locked() as release:

        def write() -> Any:
            attempts.append(1)
            if len(attempts) == 3:
                release.set()  # the other writer commits after the third try
            return _log()

        log = write_promptly(write)
    assert len(attempts) >= 3  # the first two found it locked; tried until it was free
    assert list(ResolveLog.objects.values_list("pk", flat=True)) == [log.pk]
    assert _busy_timeout() == timeout


@pytest.mark.django_db(transaction=True)
def test_a_write_gives_up_at_the_timeout_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not SQLITE:  # PostgreSQL locks rows: the write is left to it, as it is
        assert write_promptly(_log).pk == ResolveLog.objects.get().pk
        return
    options = {**connection.settings_dict["OPTIONS"], "timeout": 0.05}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    with _locked(), pytest.raises(OperationalError, match="locked"):
        write_promptly(_log)
    assert ResolveLog.objects.count() == 0
    assert _busy_timeout() == 50  # as the connection's timeout says


@pytest.mark.django_db
def test_inside_a_transaction_the_write_is_left_as_it_is() -> None:
    attempts: list[int] = []
    write_promptly(lambda: _counted(attempts))
    assert (attempts, ResolveLog.objects.count()) == ([1], 1)
    if SQLITE:
        assert _busy_timeout() == 20_000
