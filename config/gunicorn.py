"""gunicorn hooks for `make run` (bin/serve.py passes `--config config/gunicorn.py`).

A gunicorn process that is done leaves without Python's teardown. With --preload the
master and every worker hold torch and sentence-transformers; tearing them down frees
thousands of modules: 3-7 s of CPU per process measured on two busy cores, long enough
for the master to kill its workers at the graceful timeout and for Ctrl-C on `make run`
to take over 10 s. Nothing is left to save by then but the database connections (closed
here) and the log handlers (flushed); the exit status is kept.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any


def _leave(status: int) -> None:
    from django.db import connections

    connections.close_all()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def worker_exit(server: Any, worker: Any) -> None:
    """Called in the worker's `finally`, with the SystemExit that ends it (a boot error is 3)."""
    error = sys.exc_info()[1]
    if isinstance(error, SystemExit):
        code = error.code
        _leave(code if isinstance(code, int) else (0 if code is None else 1))
    _leave(0 if error is None else 1)


def on_exit(server: Any) -> None:
    """Called by the master's halt(), inside the `except` that stopped it: a stop asked for
    by a signal (StopIteration) is 0, a HaltServer carries its own status."""
    _leave(getattr(sys.exc_info()[1], "exit_status", 0))
