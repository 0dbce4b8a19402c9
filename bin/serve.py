"""`make run`'s server: gunicorn, a Celery worker and Celery beat, stopped together and in bounded time.

    python bin/serve.py [--host 127.0.0.1] [--port 8000] [--stop-timeout 8]

Ctrl-C (SIGINT), SIGTERM or SIGHUP stops all three; so does any one of them exiting. Each
child runs in a process group of its own, so a terminal's Ctrl-C reaches this script only,
and each child gets the one signal that stops it well:

- gunicorn: SIGTERM, a graceful stop (requests in flight are answered);
- the worker: SIGQUIT, Celery's cold shutdown, which hands every task it is running back
  to the broker (tasks are acks_late and safe to run twice) instead of waiting for it. A
  warm shutdown waits for the running task (a probe round, an index rebuild: minutes),
  and Ctrl-C pressed again in a terminal could leave the worker hung for good in billiard's
  exit handler (`_help_stuff_finish` waiting for a queue lock a killed pool child held);
- beat: SIGTERM.

Whatever has not exited `--stop-timeout` seconds after the signal is killed with its
process group (a worker killed there loses nothing the broker had: its task went back to
the queue first). A second Ctrl-C kills at once. Standard library only: this process
stays small and never imports Django.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.1


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    stop_signal: signal.Signals


def commands(host: str, port: int, var_dir: Path) -> list[tuple[str, list[str], signal.Signals]]:
    """Each child's name, command line and stop signal."""
    python = [sys.executable, "-m"]
    return [
        (
            "worker",
            [*python, "celery", "-A", "config", "worker", "--concurrency", "2"]
            + ["--loglevel", "INFO", "--logfile", str(var_dir / "celery-worker.log")],
            signal.SIGQUIT,
        ),
        (
            "beat",
            [*python, "celery", "-A", "config", "beat"]
            + ["--schedule", str(var_dir / "celerybeat-schedule")]
            + ["--loglevel", "INFO", "--logfile", str(var_dir / "celery-beat.log")],
            signal.SIGTERM,
        ),
        (
            "gunicorn",
            [*python, "gunicorn", "config.asgi:application", "--config", "config/gunicorn.py"]
            # ASGI (uvicorn workers): the MCP server's Streamable HTTP transport at /mcp.
            + ["--worker-class", "uvicorn_worker.UvicornWorker", "--preload"]
            + ["--bind", f"{host}:{port}"]
            + ["--workers", "2", "--timeout", "120", "--access-logfile", "-"]
            # Under the stop timeout: gunicorn kills its own slow workers first, then
            # has time left to exit itself.
            + ["--graceful-timeout", "4"],
            signal.SIGTERM,
        ),
    ]


def _die_with_parent(death_signal: signal.Signals) -> None:
    """In the child before exec: get `death_signal` if this supervisor dies (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(death_signal))


def start(name: str, command: list[str], stop_signal: signal.Signals) -> Child:
    process = subprocess.Popen(  # noqa: S603 (our own fixed command lines)
        command,
        cwd=REPO,
        stdin=subprocess.DEVNULL,  # a background process group reading the terminal would stop
        process_group=0,
        preexec_fn=lambda: _die_with_parent(stop_signal),  # noqa: PLW1509 (single-threaded)
    )
    return Child(name, process, stop_signal)


def kill_group(child: Child) -> None:
    try:
        os.killpg(child.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def say(message: str) -> None:
    print(f"serve: {message}", flush=True)


class Supervisor:
    def __init__(self, children: list[Child], stop_timeout: float) -> None:
        self.children = children
        self.stop_timeout = stop_timeout
        self.requested: int | None = None  # the signal that asked for a stop
        self.signals = 0

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1
        if self.requested is None:
            self.requested = signum
        if self.signals > 1:  # asked twice: no more waiting
            for child in self.children:
                kill_group(child)

    def running(self) -> list[Child]:
        return [child for child in self.children if child.process.poll() is None]

    def wait_for_stop_request(self) -> Child | None:
        """Block until a signal arrives or a child exits; returns the child that exited."""
        while self.requested is None:
            for child in self.children:
                if child.process.poll() is not None:
                    return child
            time.sleep(POLL_SECONDS)
        return None

    def stop(self) -> list[str]:
        """Signal every child, wait up to the stop timeout, kill what is left; names killed."""
        for child in self.running():
            try:
                child.process.send_signal(child.stop_signal)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.stop_timeout
        while self.running() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        killed = [child.name for child in self.running()]
        for child in self.children:
            # The group too: a gunicorn or pool worker whose parent was killed must not stay.
            kill_group(child)
        for child in self.children:
            child.process.wait()
        return killed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stop-timeout", type=float, default=8.0, help="seconds (default 8)")
    args = parser.parse_args(argv)
    var_dir = Path(os.environ.get("VAR_DIR", REPO / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)

    supervisor = Supervisor([], args.stop_timeout)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.on_signal)
    for name, command, stop_signal in commands(args.host, args.port, var_dir):
        supervisor.children.append(start(name, command, stop_signal))
    say(
        "gunicorn, Celery worker and beat started (logs: "
        f"{var_dir / 'celery-worker.log'}, {var_dir / 'celery-beat.log'}); Ctrl-C stops all three"
    )

    exited = supervisor.wait_for_stop_request()
    if exited is not None:
        say(f"{exited.name} exited with status {exited.process.returncode}; stopping the others")
    else:
        say(f"{signal.Signals(supervisor.requested or signal.SIGTERM).name}: stopping")
    began = time.monotonic()
    killed = supervisor.stop()
    if killed:
        say(f"killed {', '.join(killed)}: not stopped within {args.stop_timeout:g} s")
    say(f"stopped in {time.monotonic() - began:.1f} s")
    return 1 if exited is not None else 0


if __name__ == "__main__":
    sys.exit(main())
