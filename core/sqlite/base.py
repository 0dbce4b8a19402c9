"""Django's SQLite backend, taking the one write lock within about a millisecond of its
release.

SQLite's busy handler, which Django's backend leaves waiting for a lock, sleeps 1, 2, 5, 10,
15, 20, 25, 25, ... ms between tries: a request that finds a background round's 20 ms
transaction under way wakes at 33 ms, and one that meets a longer one sleeps 25 to 100 ms
at a time (bench/resolve_stalls.py: a 1 ms insert of a resolve's log waited p95 35 ms, at
most 131). Here the handler is off (busy_timeout 0), and a statement that finds the
database locked is tried again every POLL_SECONDS until the OPTIONS "timeout" has passed
(then it fails as before: "database is locked").

Only a statement run outside a transaction is tried again: a statement of autocommit,
which is its own transaction and did nothing when it found the lock taken, or the BEGIN
IMMEDIATE that opens one (OPTIONS "transaction_mode", config.settings), which did not
begin. Inside a transaction begun IMMEDIATE the lock is held already, so no statement
waits for it. With any other transaction mode a statement inside one could need the lock
mid-way, where trying again is not safe: the backend then waits as Django's does."""

from __future__ import annotations

import sqlite3
from time import monotonic, sleep
from typing import Any

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.001
DEFAULT_TIMEOUT = 5.0  # sqlite3.connect's own default, in seconds


def _busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY, or one of its extended codes."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


class PromptCursor(base.SQLiteCursorWrapper):
    """A cursor whose statements outside a transaction wait for the lock by trying again
    (the module's docstring)."""

    wait_seconds = DEFAULT_TIMEOUT

    def execute(self, query: str, params: Any = None) -> Any:
        return self._promptly(super().execute, query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        rows = list(param_list)  # a try again needs them all again
        return self._promptly(super().executemany, query, rows)

    def _promptly(self, run: Any, *args: Any) -> Any:
        if self.connection.in_transaction:
            return run(*args)
        deadline: float | None = None
        while True:
            try:
                return run(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                now = monotonic()
                deadline = deadline if deadline is not None else now + self.wait_seconds
                if now >= deadline:
                    raise
            sleep(POLL_SECONDS)


class DatabaseWrapper(base.DatabaseWrapper):
    transaction_mode: str | None  # set by Django's get_connection_params, from OPTIONS
    _wait_seconds = DEFAULT_TIMEOUT

    def _prompt(self) -> bool:
        """Whether lock waits are this module's (transactions begin IMMEDIATE)."""
        return self.transaction_mode == "IMMEDIATE"

    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        conn: sqlite3.Connection = super().get_new_connection(conn_params)
        # Set up (init commands included) with SQLite's own handler, then without it.
        self._wait_seconds = float(conn_params.get("timeout", DEFAULT_TIMEOUT))
        if self._prompt():
            conn.execute("PRAGMA busy_timeout = 0")
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        if not self._prompt():
            return super().create_cursor(name)
        cursor = self.connection.cursor(factory=PromptCursor)
        cursor.wait_seconds = self._wait_seconds
        return cursor
