"""Passport reads per second over HTTP, each beside its floor measured in the same run:
one gunicorn worker, CLIENTS concurrent loopback clients (http.client, a connection per
request), rounds alternating the figure and GET /.well-known/jwks.json (the floor: a
Django view that reads the keys and writes a little JSON); medians and ratios, per second
of wall time and per CPU second of the worker. Then the worker's peak memory (VmHWM).

- detail: GET /api/v1/passport/<slug>, every listed slug in turn, each requested once
  before (a worker keeps what it served: the steady state) (goal >= 0.8 x floor);
- detail, revalidated: the same with If-None-Match of the current ETag (a 304);
- list: GET /api/v1/passport?page=N, 20 a page, the first pages in turn (goal >= 0.5 x).

Figures are printed, never asserted. `main(var_dir)` runs on a registry built elsewhere
(bench/run_all.py: every catalog imported); without one it builds a seeds-only registry.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CLIENTS,
    call,
    child_pids,
    compare,
    gunicorn,
    peak_rss_mb,
    registry,
    under_load,
)

SLUG = "meta-llama-llama-4-maverick"
PAGE_SIZE = 20
MAX_PAGES = 40
PREFIX = "passport reads"


def listed_slugs(base: str) -> tuple[list[str], int]:
    """Every listed slug (through the API, whatever the database) and the list's count."""
    slugs: list[str] = []
    page, count = 1, 0
    with httpx.Client(timeout=30) as http:
        while page <= 1000:
            answer = http.get(f"{base}/api/v1/passport", params={"page": page, "page_size": 100})
            answer.raise_for_status()
            data = answer.json()
            count = data["count"]
            slugs += [row["slug"] for row in data["results"]]
            if not data["next"]:
                break
            page += 1
    return slugs, count


def main(var_dir: Path | None = None) -> None:
    var_dir, env = registry(var_dir, "bench-passports-")
    pids: list[int] = []
    with gunicorn(env, workers=1, pids=pids) as base:
        slugs, count = listed_slugs(base)
        worker = child_pids(pids[0])[0]
        port = int(base.rsplit(":", 1)[1])
        pages = max(1, min(MAX_PAGES, -(-count // PAGE_SIZE)))
        size = len(httpx.get(f"{base}/api/v1/passport/{SLUG}").content)
        etag = httpx.get(f"{base}/api/v1/passport/{SLUG}").headers["ETag"]
        print(
            f"{PREFIX}: {count} listed passports; {SLUG} is {size:,} bytes; "
            f"{CLIENTS} clients, 1 worker"
        )
        # Steady state: each worker keeps the versions it served (registry/served.py), so
        # every version is served once before the figures.
        for slug in slugs:
            warm = call(port, "GET", f"/api/v1/passport/{slug}")
            warm()
        floor = call(port, "GET", "/.well-known/jwks.json")
        jwks_floor = "GET /.well-known/jwks.json, same load"
        figures = {
            f"detail, GET /api/v1/passport/<slug> ({len(slugs)} slugs in turn, each served before)": call(
                port, "GET", [f"/api/v1/passport/{slug}" for slug in slugs]
            ),
            f"detail, If-None-Match (304), {SLUG}": call(
                port,
                "GET",
                f"/api/v1/passport/{SLUG}",
                headers={"If-None-Match": etag},
                status=304,
            ),
            f"list, GET /api/v1/passport?page=N ({PAGE_SIZE} a page, {pages} pages)": call(
                port,
                "GET",
                [
                    f"/api/v1/passport?page={page}&page_size={PAGE_SIZE}"
                    for page in range(1, pages + 1)
                ]
                or [f"/api/v1/passport?page=1&page_size={PAGE_SIZE}"],
            ),
        }
        for label, figure in figures.items():
            compare(
                PREFIX,
                label,
                jwks_floor,
                lambda figure=figure: under_load(figure, worker),  # type: ignore[misc]
                lambda: under_load(floor, worker),
            )
        print(
            f"{PREFIX}: peak memory (VmHWM): worker {peak_rss_mb(worker):,.0f} MB, "
            f"master {peak_rss_mb(pids[0]):,.0f} MB"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
