"""Helpers for benchmarks: a scratch registry, a loopback gunicorn, timing, and a figure
printed beside its floor measured alternately in the same run."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent

DURATION = 3.0  # seconds per figure and round
ROUNDS = 3  # rounds alternate figure and floor; the median of each is printed
CLIENTS = 4


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


def registry(var_dir: Path | None, prefix: str) -> tuple[Path, dict[str, str]]:
    """The registry in var_dir (make bench's, every catalog imported), or with none given
    a new seeds-only one: migrated, keys made as in production, the seeds signed."""
    if var_dir is not None:
        return var_dir, scratch_env(var_dir)
    var_dir = Path(tempfile.mkdtemp(prefix=prefix))
    env = scratch_env(var_dir)
    manage(env, "migrate", "-v0")
    manage(env, "passport_keys", "generate")
    manage(env, "bootstrap", "--skip-catalogs")
    return var_dir, env


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


def per_second(work: Callable[[], object], duration: float = DURATION) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < duration and done < 1_000_000:
        work()
        done += 1
    return done / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def under_load(
    request: Callable[[], None], worker: int, duration: float = DURATION
) -> tuple[float, float]:
    """(requests/s, requests per CPU second of the gunicorn worker) with CLIENTS threads
    for `duration`. The second holds still when others share the CPU: it is what one
    core would serve."""
    counts = [0] * CLIENTS
    deadline = time.perf_counter() + duration

    def client(slot: int) -> None:
        while time.perf_counter() < deadline and counts[slot] < 1_000_000:
            request()
            counts[slot] += 1

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(CLIENTS)]
    start, cpu = time.perf_counter(), cpu_seconds(worker)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = sum(counts)
    return done / (time.perf_counter() - start), done / max(cpu_seconds(worker) - cpu, 1e-9)


def compare(
    prefix: str,
    label: str,
    floor_label: str,
    figure: Callable[[], tuple[float, float]],
    floor: Callable[[], tuple[float, float]],
    cpu: str = "/s of server CPU",
) -> tuple[float, float]:
    """Alternate figure and floor ROUNDS times (others share the CPU); print medians and
    ratios: per second of wall time, and per CPU second of the server. Returns the two
    ratios (wall, CPU)."""
    figures, floors = [], []
    for _ in range(ROUNDS):
        figures.append(figure())
        floors.append(floor())
    ratios = []
    for what, index in (("/s", 0), (cpu, 1)):
        mine = statistics.median(f[index] for f in figures)
        base = statistics.median(f[index] for f in floors)
        print(f"{prefix}: {label}: {mine:,.0f}{what}")
        print(f"{prefix}:   floor, {floor_label}: {base:,.0f}{what}; ratio {mine / base:.2f}")
        ratios.append(mine / base)
    return ratios[0], ratios[1]


def call(
    port: int,
    method: str,
    paths: str | list[str],
    body: bytes | None = None,
    valid: bool = False,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
) -> Callable[[], None]:
    """One request on a fresh connection (gunicorn's sync worker closes each), with
    http.client: a lighter client than httpx, so the clients load the CPU less. With a
    list of paths, each call takes the next one (round robin, shared by the clients)."""
    sent = dict(headers or {})
    if body is not None:
        sent["Content-Type"] = "application/json"
    rotation = [paths] if isinstance(paths, str) else list(paths)
    turn = iter(range(1 << 62))  # next() on a range iterator is atomic under the GIL

    def request() -> None:
        path = rotation[next(turn) % len(rotation)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        assert response.status == status, (path, response.status, data[:200])
        if valid:
            assert json.loads(data)["valid"] is True

    return request
