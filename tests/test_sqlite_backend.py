"""core.sqlite: on SQLite a statement outside a transaction, and the BEGIN IMMEDIATE that
opens one, try again every millisecond while another connection holds the write lock,
instead of SQLite's busy handler (which sleeps up to 100 ms at a time), and give up at the
database's timeout as before, storing nothing. Against a real SQLite file and a real second
connection holding the lock, whatever database the suite itself runs on."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction

from core.sqlite import base

ALIAS = "prompt"


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Iterator[Callable[..., tuple[Any, Path]]]:
    """Opens a SQLite database of this backend as connections[ALIAS], with a table `log`."""
    path = tmp_path / "prompt.sqlite3"

    def open_database(**options: Any) -> tuple[Any, Path]:
        options = {"init_command": "PRAGMA journal_mode=WAL;", **options}
        configured = connections.configure_settings(
            {
                "default": connections.settings["default"],
                ALIAS: {"ENGINE": "core.sqlite", "NAME": str(path), "OPTIONS": options},
            }
        )
        connections.settings[ALIAS] = configured[ALIAS]
        opened = connections[ALIAS]
        with opened.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS log (value TEXT)")
        return opened, path

    with django_db_blocker.unblock():
        try:
            yield open_database
        finally:
            if ALIAS in connections.settings:
                connections[ALIAS].close()
                del connections[ALIAS]
                del connections.settings[ALIAS]


@contextmanager
def _locked(path: Path) -> Iterator[threading.Event]:
    """Another connection holds the write lock until the event is set."""
    other = sqlite3.connect(path, check_same_thread=False)
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


def _counting_pauses(monkeypatch: pytest.MonkeyPatch, release: threading.Event) -> list[float]:
    """Counts the backend's pauses between tries; the lock is released at the third."""
    pauses: list[float] = []
    real = base.sleep

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            release.set()
        real(seconds)

    monkeypatch.setattr(base, "sleep", pause)
    return pauses


def _values(opened: Any) -> list[str]:
    with opened.cursor() as cursor:
        cursor.execute("SELECT value FROM log ORDER BY rowid")
        return [row[0] for row in cursor.fetchall()]


def _busy_timeout(opened: Any) -> int:
    with opened.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return int(cursor.fetchone()[0])


def test_a_statement_outside_a_transaction_waits_for_the_lock_by_trying_again(
    database: Callable[..., tuple[Any, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, path = database(transaction_mode="IMMEDIATE", timeout=20)
    assert _busy_timeout(opened) == 0  # SQLite's own handler is off
    with _locked(path) as release:
        pauses = _counting_pauses(monkeypatch, release)
        with opened.cursor() as cursor:
            cursor.execute("INSERT INTO log (value) VALUES (%s)", ["first"])
    # Two tries found it locked, the third (or a later one) took it once it was free.
    assert len(pauses) >= 3 and set(pauses) == {base.POLL_SECONDS}
    assert _values(opened) == ["first"]


def test_a_transaction_waits_for_the_lock_at_its_begin(
    database: Callable[..., tuple[Any, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, path = database(transaction_mode="IMMEDIATE", timeout=20)
    with _locked(path) as release:
        pauses = _counting_pauses(monkeypatch, release)
        with transaction.atomic(using=ALIAS), opened.cursor() as cursor:
            count = len(pauses)  # the BEGIN IMMEDIATE waited; inside, the lock is held
            cursor.execute("INSERT INTO log (value) VALUES (%s)", ["in"])
            cursor.executemany("INSERT INTO log (value) VALUES (%s)", iter([["a"], ["b"]]))
            assert len(pauses) == count
    assert count >= 3
    assert _values(opened) == ["in", "a", "b"]


def test_a_statement_gives_up_at_the_timeout_and_stores_nothing(
    database: Callable[..., tuple[Any, Path]],
) -> None:
    opened, path = database(transaction_mode="IMMEDIATE", timeout=0.05)
    with _locked(path):
        with pytest.raises(OperationalError, match="database is locked"):
            with opened.cursor() as cursor:
                cursor.execute("INSERT INTO log (value) VALUES (%s)", ["late"])
        with pytest.raises(OperationalError, match="database is locked"):
            with transaction.atomic(using=ALIAS), opened.cursor() as cursor:
                cursor.execute("INSERT INTO log (value) VALUES (%s)", ["late too"])
    assert _values(opened) == []
    assert opened.connection.in_transaction is False


def test_other_transaction_modes_wait_as_django_does(
    database: Callable[..., tuple[Any, Path]],
) -> None:
    """Inside a deferred transaction a statement may need the lock mid-way, where trying
    again is not safe: SQLite's handler waits, with the database's timeout."""
    opened, _ = database(timeout=2)
    assert _busy_timeout(opened) == 2000
    with opened.cursor() as cursor:
        assert not isinstance(cursor.cursor, base.PromptCursor)
        cursor.execute("INSERT INTO log (value) VALUES (%s)", ["plain"])
    assert _values(opened) == ["plain"]


def test_the_registry_on_sqlite_uses_this_backend() -> None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine in {"core.sqlite", "django.db.backends.postgresql"}
    if engine == "core.sqlite":
        options = settings.DATABASES["default"]["OPTIONS"]
        assert (options["transaction_mode"], options["timeout"]) == ("IMMEDIATE", 20)
