"""Helpers for benchmarks: a scratch registry, a loopback gunicorn, timing."""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def scratch_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a registry in its own var/ (SQLite unless DATABASE_URL is given):
    production settings (DEBUG=0), served over plain http on 127.0.0.1 (HTTPS_ONLY=0),
    without the per-client limits (THROTTLE_ENABLED=0: a bench is one client asking as fast
    as it can, and measures throughput, not the limits). Keys are made with
    `passport_keys generate`, as in production."""
    (var_dir / "staticfiles").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PASSPORT_AUTO_KEY"):
        env.pop(name, None)
    env.update(
        VAR_DIR=str(var_dir),
        DEBUG="0",
        SECRET_KEY="bench-only-" + secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",  # testserver: the in-process Client
        HTTPS_ONLY="0",
        THROTTLE_ENABLED="0",
        OPENROUTER_MODELS_URL="",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 (the median) and p95 (nearest rank) of the samples, in their unit."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (a gunicorn master's workers)."""
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 1, pids: list[int] | None = None) -> Iterator[str]:
    """A gunicorn on a free loopback port; `pids`, when given, receives the master's pid."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--preload",  # as `make run`: the model and index load before workers fork
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    if pids is not None:
        pids.append(process.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start within 120 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)  # gunicorn's graceful timeout, on a busy machine
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
