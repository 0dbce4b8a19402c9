"""A real Celery worker (subprocess) on the real broker: Redis when CELERY_BROKER_URL
is set (CI), else kombu's filesystem transport in a folder of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from probes.models import ProbeRun
from probes.services import probe_schedule
from registry.models import Artifact

from .conftest import add_endpoint
from .provider import Provider

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "liquid-lfm-2-24b-a2b"
CLAIM_TIMEOUT = 4
BROKER = os.environ.get("CELERY_BROKER_URL", "")

if os.environ.get("REQUIRE_SERVICES") == "1" and not BROKER.startswith("redis://"):
    raise RuntimeError("REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not a Redis URL")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Broker:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.queue = f"probes-test-{uuid.uuid4().hex[:8]}"
        folder = var_dir / "broker"
        options: dict[str, Any] = (
            {"visibility_timeout": 3}
            if BROKER
            else {
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                "control_folder": str(folder / "control"),
            }
        )
        for key in ("data_folder_in", "processed_folder", "control_folder"):
            if key in options:
                Path(options[key]).mkdir(parents=True, exist_ok=True)
        self.app = Celery(
            "probe-test-sender",
            broker=BROKER or "filesystem://localhost//",
            broker_transport_options=options,
        )

    def send(self, name: str, **kwargs: Any) -> None:
        self.app.send_task(name, kwargs=kwargs, queue=self.queue)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("CELERY_BROKER_URL", None)
        if BROKER:
            env["CELERY_BROKER_URL"] = BROKER
        env.update(
            DATABASE_URL=_database_url(),
            VAR_DIR=str(self.var_dir),
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            CELERY_VISIBILITY_TIMEOUT="3",
            PASSPORT_SIGNING_KEY_FILE=str(settings.PASSPORT_SIGNING_KEY_FILE),
            PASSPORT_AUTO_KEY="1",
            PROBE_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT),
            PROBE_RATE_PER_SECOND="0",
            PROBE_BACKOFF_SECONDS="0.01",
            PROBE_LONG_CONTEXT_TOKENS="300",
            # The stand-in provider is plain http on 127.0.0.1 (see conftest._fast_probes).
            PROBE_ALLOW_LOOPBACK="1",
            OPENROUTER_MODELS_URL="",
            MATCH_WARM_ON_START="0",
            LOG_LEVEL="INFO",
        )
        return env

    @contextmanager
    def worker(self, log: Path) -> Iterator[subprocess.Popen[bytes]]:
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "-Q",
                    self.queue,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "info",
                ],
                cwd=Path(__file__).resolve().parents[2],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(check: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")


def _version(slug: str) -> int:
    return (
        Artifact.objects.get(slug=slug)
        .versions.order_by("-number")
        .values_list("number", flat=True)[0]
    )


def test_worker_probes_a_round_and_re_signs(
    seeds: list[str], provider: Provider, tmp_path: Path
) -> None:
    add_endpoint(SLUG, provider, "alpha")
    provider.script["alpha"] = ["wrong", "ok"]  # one fail, then passes
    broker = Broker(tmp_path)
    log = tmp_path / "worker.log"
    before = _version(SLUG)
    with broker.worker(log):
        broker.send("probes.schedule")
        wait_for(
            lambda: ProbeRun.objects.filter(applied_at__isnull=False).count() == 6,
            90,
            "six applied probe runs",
            log,
        )
        wait_for(lambda: _version(SLUG) == before + 1, 30, "a new version", log)
    trust = Artifact.objects.get(slug=SLUG).trust
    assert (trust.probe_outcomes["probe_runs"], trust.probe_outcomes["probe_passes"]) == (6, 5)
    assert provider.count() == 6


def test_worker_killed_mid_run_loses_and_doubles_nothing(
    seeds: list[str], provider: Provider, tmp_path: Path
) -> None:
    add_endpoint(SLUG, provider, "alpha")
    provider.script["alpha"] = ["slow:30", "ok"]  # the first call hangs until the worker dies
    report = probe_schedule(slug=SLUG, kinds=["chat", "json", "code"])
    assert len(report.run_ids) == 3
    broker = Broker(tmp_path)
    log = tmp_path / "worker.log"
    for run_id in report.run_ids:
        broker.send("probes.run", run_id=run_id)
    with broker.worker(log) as first:
        wait_for(lambda: provider.count() == 1, 60, "the first call", log)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert ProbeRun.objects.filter(state="running").count() == 1
    time.sleep(CLAIM_TIMEOUT + 1)  # the dead worker's claim goes stale
    with broker.worker(log):
        wait_for(
            lambda: ProbeRun.objects.filter(state="done").count() == 3,
            90,
            "all three runs done",
            log,
        )
        wait_for(
            lambda: not ProbeRun.objects.filter(applied_at__isnull=True).exists(),
            30,
            "applied",
            log,
        )
    runs = list(ProbeRun.objects.order_by("kind").values_list("kind", "status"))
    assert runs == [("chat", "pass"), ("code", "pass"), ("json", "pass")]
    # The run the dead worker held was taken over once; the others were claimed once.
    assert sorted(ProbeRun.objects.values_list("claims", flat=True)) == [1, 1, 2]
    assert provider.count() == 4  # the killed call, then one call per run
    assert Artifact.objects.get(slug=SLUG).trust.probe_outcomes["probe_runs"] == 3
