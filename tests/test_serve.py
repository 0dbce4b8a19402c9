"""`make run`'s serving stack (bin/serve.py): gunicorn, a Celery worker and beat, for real.

A small registry (the seeds only) is bootstrapped once into a temporary VAR_DIR; the
stack serves it on a free 127.0.0.1 port with kombu's filesystem broker, as `make run`
does. Ctrl-C is a SIGINT to the foreground process group; every process of the stack
must then be gone within 10 s, even with the worker in the middle of a task.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from celery import Celery

REPO = Path(__file__).resolve().parent.parent
SLUG = "liquid-lfm-2-24b-a2b"
STOP_BOUND = 10.0  # seconds from Ctrl-C to the last process gone (the bound)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SilentProvider:
    """A loopback 'provider' that accepts calls and never answers: a probe hangs on it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.calls: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.calls.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.calls:
            conn.close()


def stack_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE"):
        env.pop(name, None)  # make run's defaults: SQLite and the filesystem broker in VAR_DIR
    env.update(
        VAR_DIR=str(var_dir),
        DEBUG="1",
        PASSPORT_AUTO_KEY="1",
        OPENROUTER_MODELS_URL="",
        CATALOG_DIR=str(var_dir / "no-catalogs"),
        PROBE_RATE_PER_SECOND="0",
        PROBE_ALLOW_LOOPBACK="1",  # the hanging provider is on 127.0.0.1 over http
        LOG_WITNESS_INTERVAL_SECONDS="3600",  # beat adds nothing to the queue meanwhile
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SilentProvider]]:
    """A seeds-only registry (no catalogs: they take minutes) with one endpoint to probe."""
    var_dir = tmp_path_factory.mktemp("serve-var")
    provider = SilentProvider()
    env = stack_env(var_dir)
    manage(env, "bootstrap", "--skip-catalogs")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "probe_endpoint", SLUG, "--base-url", provider.url, "--model", "silent")
    yield var_dir, provider
    provider.close()


def descendants(pid: int) -> set[int]:
    """Every process under `pid`, whatever its process group."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(check: object, seconds: float, what: str, log: Path) -> None:
    assert callable(check)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{log.read_text(errors='replace')[-4000:]}")


def queued_messages(var_dir: Path) -> int:
    return len(list((var_dir / "broker" / "queue").glob("*.msg")))


def test_ctrl_c_stops_gunicorn_worker_and_beat_within_10_s_mid_task(
    registry: tuple[Path, SilentProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    var_dir, provider = registry
    port = free_port()
    log = var_dir / "serve.log"
    with open(log, "wb") as out:
        # A process group of its own, as a terminal's foreground job: Ctrl-C reaches it all.
        serve = subprocess.Popen(
            [sys.executable, "bin/serve.py", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=stack_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pids: set[int] = set()
    try:

        def serving() -> bool:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/passport", timeout=5)
            except httpx.HTTPError:
                return False
            return answer.status_code == 200

        wait_until(serving, 240, "gunicorn to answer", log)
        worker_log, beat_log = var_dir / "celery-worker.log", var_dir / "celery-beat.log"
        wait_until(lambda: "ready." in worker_log.read_text(), 120, "the worker", worker_log)
        wait_until(lambda: "beat: Starting" in beat_log.read_text(), 60, "beat", beat_log)

        # The worker takes a probe round; its probes hang on the silent provider. Celery
        # prefers CELERY_BROKER_URL (CI sets it to Redis) to the broker it is given.
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        sender = Celery(
            "serve-test-sender",
            broker="filesystem://localhost//",
            broker_transport_options={
                "data_folder_in": str(var_dir / "broker" / "queue"),
                "data_folder_out": str(var_dir / "broker" / "queue"),
                "control_folder": str(var_dir / "broker" / "control"),
            },
        )
        sender.send_task("probes.schedule", queue="celery")
        wait_until(lambda: len(provider.calls) == 2, 120, "two probes in flight", worker_log)

        pids = descendants(serve.pid)
        commands = sorted(" ".join(command_of(pid).split()[1:5]) for pid in pids)
        assert commands == [
            "-m celery -A config",  # beat
            "-m celery -A config",  # worker
            "-m celery -A config",  # its two pool processes
            "-m celery -A config",
            "-m gunicorn config.asgi:application --config",  # master
            "-m gunicorn config.asgi:application --config",  # two workers
            "-m gunicorn config.asgi:application --config",
        ]
        in_queue = queued_messages(var_dir)

        os.killpg(serve.pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_BOUND
        while time.monotonic() < deadline and any(alive(pid) for pid in pids | {serve.pid}):
            time.sleep(0.1)
        left = sorted(command_of(pid) for pid in pids | {serve.pid} if alive(pid))
        assert left == []
        assert serve.wait(timeout=1) == 0
        # The two probes in flight went back to the queue (acks_late), none was lost.
        assert queued_messages(var_dir) == in_queue + 2
    finally:
        for pid in pids | {serve.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        serve.wait(timeout=10)
