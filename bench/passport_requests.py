"""Passport list and detail requests per second on one gunicorn worker (loopback only)."""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import gunicorn, percentiles, scratch_env  # noqa: E402

DURATION = 8.0  # seconds per measurement
MAX_REQUESTS = 20000
CLIENTS = 4


def hammer(urls: list[str]) -> tuple[float, int, list[float]]:
    """Fetch urls round-robin from CLIENTS threads for DURATION seconds (bounded)."""
    deadline = time.monotonic() + DURATION
    latencies: list[float] = []

    def client(offset: int) -> int:
        done = 0
        with httpx.Client(timeout=10) as http:
            while time.monotonic() < deadline and len(latencies) < MAX_REQUESTS:
                url = urls[(offset + done * CLIENTS) % len(urls)]
                began = time.perf_counter()
                response = http.get(url)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")
                done += 1
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        total = sum(pool.map(client, range(CLIENTS)))
    return time.monotonic() - started, total, sorted(latencies)


def report(name: str, elapsed: float, total: int, latencies: list[float]) -> None:
    p50, p95 = (1000 * value for value in percentiles(latencies))
    print(
        f"{name}: {total / elapsed:.0f} req/s on 1 worker "
        f"({total} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms)"
    )


def main(var_dir: Path) -> None:
    env = scratch_env(var_dir)
    slugs = [
        row[0]
        for row in sqlite3.connect(var_dir / "registry.sqlite3").execute(
            "SELECT slug FROM registry_artifact ORDER BY id"
        )
    ]
    with gunicorn(env, workers=1) as base:
        httpx.get(f"{base}/api/v1/passport").raise_for_status()
        pages = [f"{base}/api/v1/passport?page={p}&page_size=20" for p in range(1, 40)]
        report("list   (20 per page)", *hammer(pages))
        report("detail (all slugs)", *hammer([f"{base}/api/v1/passport/{s}" for s in slugs]))
        size = len(
            json.dumps(httpx.get(f"{base}/api/v1/passport/meta-llama-llama-4-maverick").json())
        )
        print(f"detail: Maverick document is {size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
