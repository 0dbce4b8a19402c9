"""Resolve latency with a busy Celery worker beside the server, against its floor.

One client resolves the 20 everyday needs of bench/resolve_latency.py one after another
over HTTP (gunicorn, 2 workers, throttles off, 127.0.0.1), `--rounds` times each way, the
two ways taking turns round by round so that a change in the machine's load meets both:

- floor: the Celery worker stopped (SIGSTOP to its process group, once it has finished
  every round it was sent: it holds no transaction and takes no CPU);
- busy: a real Celery worker (`celery -A config worker --concurrency 2`, as bin/serve.py
  starts it, on kombu's filesystem broker under the registry's VAR_DIR) and, after every
  resolve, `matching.apply_outcomes` sent to it: the worker counts each resolve into the
  capabilities it named and signs a new version of their passports while the next
  resolves are answered (a round every OUTCOMES_INTERVAL_SECONDS in production does
  the same work, only less often).

Printed: p50, p95 and max of each, p95/p50 of the busy run, its p50 and p95 against the
floor's, and what the worker did (rounds, versions signed). Nothing is asserted.

    python bench/resolve_stalls.py --var-dir DIR [--rounds 5]   # a registry made by
                                                                # bench/import_catalogs.py
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, gunicorn, percentiles, scratch_env  # noqa: E402
from synthetic_registry import QUERIES  # noqa: E402

WORKER_READY_SECONDS = 120
DRAIN_SECONDS = 120  # the worker finishes the rounds it was sent before it is stopped
MAX_ROUNDS = 50


def _count(var_dir: Path, table: str) -> int:
    with sqlite3.connect(var_dir / "registry.sqlite3", timeout=30) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def _pending(var_dir: Path) -> int:
    with sqlite3.connect(var_dir / "registry.sqlite3", timeout=30) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM matching_resolvelog WHERE applied_at IS NULL"
            ).fetchone()[0]
        )


def _resolve_all(http: httpx.Client, rounds: int, after: object = None) -> list[float]:
    """Milliseconds of each resolve, the needs one after another, `rounds` times."""
    samples: list[float] = []
    for _ in range(rounds):
        for need in QUERIES:
            began = time.perf_counter()
            answer = http.post("/api/v1/resolve", json={"intent": need})
            answer.raise_for_status()
            samples.append(1000 * (time.perf_counter() - began))
            if callable(after):
                after()
    return samples


class Worker:
    """A real Celery worker on this registry, on a queue of its own."""

    def __init__(self, env: dict[str, str], var_dir: Path) -> None:
        self.env = env
        self.var_dir = var_dir
        self.log = var_dir / "bench-stalls-worker.log"
        folder = var_dir / "broker"
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        for key in ("data_folder_in", "processed_folder", "control_folder"):
            Path(str(options[key])).mkdir(parents=True, exist_ok=True)
        self.app = Celery(
            "bench-stalls", broker="filesystem://localhost//", broker_transport_options=options
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.sent = 0

    def start(self) -> None:
        self.log.write_bytes(b"")
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "config", "worker", "--concurrency", "2"]
                + ["-Q", self.env["CELERY_TASK_DEFAULT_QUEUE"], "--loglevel", "INFO"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"resolve_stalls: the worker did not start; see {self.log}")
            time.sleep(0.2)

    def send_round(self) -> None:
        self.app.send_task("matching.apply_outcomes", queue=self.env["CELERY_TASK_DEFAULT_QUEUE"])
        self.sent += 1

    def finished(self) -> int:
        lines = self.log.read_bytes().splitlines()
        return sum(b"matching.apply_outcomes[" in line and b"succeeded" in line for line in lines)

    def drain(self) -> None:
        """Wait (at most DRAIN_SECONDS) until every round sent has finished."""
        deadline = time.monotonic() + DRAIN_SECONDS
        while self.finished() < self.sent and time.monotonic() < deadline:
            time.sleep(0.2)

    def pause(self) -> None:
        """Stop the worker once it is idle: the floor's rounds run without it."""
        self.drain()
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        self.resume()
        self.drain()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None


def run(var_dir: Path, rounds: int) -> None:
    if not (var_dir / "registry.sqlite3").exists():
        raise SystemExit(f"resolve_stalls: no registry in {var_dir} (bench/import_catalogs.py)")
    env = scratch_env(
        var_dir,
        THROTTLE_ENABLED="0",
        CELERY_TASK_DEFAULT_QUEUE=f"bench-stalls-{uuid.uuid4().hex[:8]}",
    )
    env.pop("CELERY_BROKER_URL", None)  # the filesystem broker under VAR_DIR, as `make run`
    worker = Worker(env, var_dir)
    floor: list[float] = []
    busy: list[float] = []
    with gunicorn(env, workers=2) as base, httpx.Client(base_url=base, timeout=120) as http:
        _resolve_all(http, 1)  # warm: every need once
        versions = _count(var_dir, "passports_passportversion")
        worker.start()
        try:
            for _ in range(rounds):
                worker.pause()
                floor += _resolve_all(http, 1)
                worker.resume()
                busy += _resolve_all(http, 1, after=worker.send_round)
        finally:
            worker.stop()
        signed = _count(var_dir, "passports_passportversion") - versions
    f50, f95 = percentiles(floor)
    b50, b95 = percentiles(busy)
    print(
        f"resolve stalls: {len(QUERIES)} needs x {rounds}, one client, gunicorn 2 workers "
        f"({os.cpu_count()} cores)"
    )
    print(
        f"resolve stalls: floor (no worker)      p50 {f50:6.1f} ms  p95 {f95:6.1f} ms  "
        f"max {max(floor):7.1f} ms  p95/p50 {f95 / f50:.2f}"
    )
    print(
        f"resolve stalls: worker busy beside it  p50 {b50:6.1f} ms  p95 {b95:6.1f} ms  "
        f"max {max(busy):7.1f} ms  p95/p50 {b95 / b50:.2f}"
    )
    print(
        f"resolve stalls: busy against the floor: p50 {b50 / f50:.2f} x, p95 {b95 / f95:.2f} x; "
        f"the worker ran {worker.finished()} of {worker.sent} outcome rounds and signed "
        f"{signed} passport versions ({_pending(var_dir)} resolves left pending)"
    )


def main(var_dir: Path, rounds: int = 5) -> None:
    """In a process of its own, as bench/run_all.py calls it (the full-catalog registry)."""
    subprocess.run(
        [PYTHON, __file__, "--var-dir", str(var_dir), "--rounds", str(rounds)],
        check=True,
        cwd=REPO,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.rounds <= MAX_ROUNDS:
        raise SystemExit(f"resolve_stalls: --rounds must be 1..{MAX_ROUNDS}")
    run(args.var_dir.resolve(), args.rounds)
