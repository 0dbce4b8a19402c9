"""Probes per second against a loopback provider with two Celery worker processes,
and one worker's peak memory (VmHWM). Redis broker when one answers on
127.0.0.1:6379, else kombu's filesystem transport.

The floor, measured in the same run against the same provider: two client processes
sending the same chat request over a fresh connection each time (as a probe does),
with nothing else: what the provider and loopback allow. The ratio is the provider's
requests per second during the probe round over the floor's. Figures only, nothing
asserted."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, manage, peak_rss_mb, scratch_env  # noqa: E402

sys.path.insert(0, str(REPO))
from celery import Celery  # noqa: E402

from tests.probes.provider import running_provider  # noqa: E402

ENDPOINTS_PER_PASSPORT = 12
FLOOR_SECONDS = 5.0
# One floor client: the same chat request as a probe's, a fresh connection per request,
# with the standard library's client (the lightest there is).
FLOOR_CLIENT = """
import http.client, json, sys, time, urllib.parse
url, seconds = urllib.parse.urlsplit(sys.argv[1]), float(sys.argv[2])
body = json.dumps(
    {"model": "m0", "messages": [{"role": "user", "content": "Reply with the word ok."}]}
)
done, deadline = 0, time.monotonic() + seconds
while time.monotonic() < deadline and done < 1_000_000:
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request("POST", url.path + "/chat/completions", body,
                       {"Content-Type": "application/json", "Connection": "close"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200, response.status
    done += 1
"""


def floor_rate(provider_url: str, count: Callable[[], int]) -> float:
    """Requests/s two plain client processes get from the provider (bounded by time)."""
    before, started = count(), time.perf_counter()
    clients = [
        subprocess.Popen([PYTHON, "-c", FLOOR_CLIENT, provider_url, str(FLOOR_SECONDS)])
        for _ in range(2)
    ]
    for client in clients:
        client.wait(timeout=FLOOR_SECONDS + 60)
    return (count() - before) / (time.perf_counter() - started)


SEEDS = ("liquid-lfm-2-24b-a2b", "meta-llama-llama-4-maverick", "meta-llama-llama-4-scout")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main(var_dir: Path | None = None) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-probes-"))
    queue = f"bench-probes-{uuid.uuid4().hex[:8]}"
    redis = _redis_up()
    broker = "redis://127.0.0.1:6379/0" if redis else "filesystem://localhost//"
    extra = {
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PROBE_RATE_PER_SECOND": "0",
        "PROBE_BUDGET_PER_RUN": "100000",
        "PROBE_LONG_CONTEXT_TOKENS": "1000",
        "PROBE_ALLOW_LOOPBACK": "1",  # the stand-in provider is plain http on 127.0.0.1
        "MATCH_WARM_ON_START": "0",
    }
    if redis:
        extra["CELERY_BROKER_URL"] = broker
    env = scratch_env(scratch, **extra)
    if not redis:
        env.pop("CELERY_BROKER_URL", None)
    manage(env, "migrate", "--noinput")
    manage(env, "passport_keys", "generate")
    manage(env, "import_passports", str(REPO / "fixtures" / "seeds"))
    with running_provider() as provider:
        for slug in SEEDS:
            for n in range(ENDPOINTS_PER_PASSPORT):
                manage(
                    env,
                    "probe_endpoint",
                    slug,
                    "--base-url",
                    provider.url,
                    "--model",
                    f"m{n}",
                    "--provider",
                    f"loop{n}",
                )
        folder = scratch / "broker"
        options = (
            {}
            if redis
            else {
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                "control_folder": str(folder / "control"),
            }
        )
        for value in options.values():
            Path(value).mkdir(parents=True, exist_ok=True)
        sender = Celery("bench", broker=broker, broker_transport_options=options)
        workers = [
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "--quiet",  # no banner in the bench's output
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "-Q",
                    queue,
                    "-n",
                    f"bench{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "warning",
                ],
                cwd=REPO,
                # Root on this machine: Celery's warning about it is not a figure.
                env={**env, "PYTHONWARNINGS": "ignore:You're running the worker with superuser"},
                start_new_session=True,
                stdout=subprocess.DEVNULL,  # "Warm shutdown"; errors go to stderr
            )
            for i in range(2)
        ]
        database = sqlite3.connect(scratch / "registry.sqlite3", timeout=30)
        try:
            time.sleep(8)  # both workers up before the clock starts
            started = time.perf_counter()
            sender.send_task("probes.schedule", queue=queue)
            total = done = 0
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                total, done = database.execute(
                    "SELECT count(*), sum(state = 'done') FROM probes_proberun"
                ).fetchone()
                if total and done == total:
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            answered = provider.count()
            peak = peak_rss_mb(workers[0].pid)
            floor = floor_rate(provider.url, provider.count)
            print(
                f"probes: {done} probe runs ({ENDPOINTS_PER_PASSPORT * len(SEEDS)} endpoints) in "
                f"{elapsed:.1f} s with 2 worker processes on the "
                f"{'Redis' if redis else 'filesystem'} broker, SQLite: {done / elapsed:.1f} probes/s "
                f"(loopback provider answered {answered} requests: {answered / elapsed:.1f}/s)"
            )
            print(
                f"probes:   floor, 2 plain client processes against the same provider: "
                f"{floor:.1f} requests/s; ratio {answered / elapsed / floor:.2f}"
            )
            print(f"probes: one worker's peak RSS {peak:.0f} MB")
        finally:
            database.close()
            for worker in workers:
                os.killpg(worker.pid, signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
