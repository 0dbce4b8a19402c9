"""A registry of the seed passports in a folder of its own, for MCP servers run as subprocesses
(stdio: `manage.py mcp`; HTTP: gunicorn with uvicorn workers on a free 127.0.0.1 port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 240


def server_env(var_dir: Path) -> dict[str, str]:
    """The environment of a subprocess registry: SQLite and keys under `var_dir`, no broker,
    no live catalog, nothing inherited that would point it elsewhere (CI's DATABASE_URL)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "PASSPORT_SIGNING_KEY_FILE",
            "LOG_SIGNING_KEY_FILE",
            "MATCH_INDEX_DIR",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        VAR_DIR=str(var_dir),
        OPENROUTER_MODELS_URL="",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="package")
def registry_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated, the seeds imported and signed, logged, the index built (`make run`'s
    bootstrap without the catalogs)."""
    var_dir = tmp_path_factory.mktemp("mcp-registry")
    subprocess.run(
        [sys.executable, "manage.py", "bootstrap", "--skip-catalogs"],
        cwd=REPO,
        env=server_env(var_dir),
        check=True,
        capture_output=True,
        timeout=START_SECONDS,
    )
    return var_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="package")
def web_server(registry_dir: Path) -> Iterator[str]:
    """The web server as `make run` starts it (ASGI, uvicorn workers), on a free port."""
    port = free_port()
    log = (registry_dir / "web.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.asgi:application",
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--preload",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
        ],
        cwd=REPO,
        env={**server_env(registry_dir), "MATCH_WARM_ON_START": "0"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, (registry_dir / "web.log").read_text()
            try:
                if httpx.get(f"{base}/api/v1/passport", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the web server did not start"
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
