"""Server time of the HTML pages with every catalog loaded: /, /passports/<slug>, /match,
/compare, each beside its floor measured in the same run.

One gunicorn worker, one client, requests one after another on loopback, so each
latency is the server's time plus a loopback round trip. The floor is the JWKS view
(`GET /.well-known/jwks.json`: a Django view that reads the keys and writes a little
JSON), asked right after each page request on the same connection, so both see the
same machine; the ratio is the floor's p50 over the page's (1.00: as fast as the
floor). Printed, never asserted.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import gunicorn, manage, percentiles, scratch_env  # noqa: E402

LIST_QUERIES = [
    "/",
    "/?q=llama",
    "/?q=vision",
    "/?input_modality=image",
    "/?input_modality=image&output_modality=text&min_context=100000",
    "/?max_prompt_price=0.5&ordering=prompt_price",
    "/?min_score=20&verified=false&ordering=-context_length",
    "/?type=model&ordering=name&page=10",
    "/?q=gpt&max_prompt_price=5",
    "/?page=40",
]
NEEDS = [
    "summarize 300-page contracts",
    "read screenshots of invoices",
    "translate customer emails from German to English",
    "write Python code that parses CSV files",
    "transcribe a podcast recording",
    "generate a photorealistic picture of a cat",
    "chat with customers about their orders",
    "embed documents for semantic search",
    "explain a bar chart image",
    "a cheap model under $0.10 per million tokens for classification",
]


FLOOR = "/.well-known/jwks.json"


def timed(http: httpx.Client, url: str) -> float:
    began = time.perf_counter()
    response = http.get(url)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    return elapsed


def paired(http: httpx.Client, urls: list[str]) -> tuple[list[float], list[float]]:
    """Each page's latency and, right after it, the floor's."""
    pages, floors = [], []
    for url in urls:
        pages.append(timed(http, url))
        floors.append(timed(http, FLOOR))
    return pages, floors


def report(name: str, measured: tuple[list[float], list[float]]) -> None:
    latencies, floors = measured
    p50, p95 = (1000 * value for value in percentiles(latencies))
    floor50, floor95 = (1000 * value for value in percentiles(floors))
    print(
        f"pages: {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(latencies) * 1000:.1f} ms "
        f"({len(latencies)} requests)"
    )
    print(
        f"pages:   floor, GET {FLOOR} after each: p50 {floor50:.1f} ms, p95 {floor95:.1f} ms; "
        f"ratio {floor50 / p50:.2f}"
    )


def main(var_dir: Path) -> None:
    env = scratch_env(var_dir)
    manage(env, "migrate", "-v0")  # the web app's tables, if the registry predates them
    manage(env, "collectstatic", "--noinput", "-v0")
    database = sqlite3.connect(var_dir / "registry.sqlite3")
    # Listings only: a listing merged into another (#13) answers 301 at its old slug.
    live = "FROM registry_artifact WHERE merged_into_id IS NULL"
    artifacts = database.execute(f"SELECT COUNT(*) {live}").fetchone()[0]
    slugs = [row[0] for row in database.execute(f"SELECT slug {live} ORDER BY id")]
    sample = slugs[:: max(1, len(slugs) // 150)][:150]
    print(f"pages: {artifacts} listings in the registry")
    with gunicorn(env, workers=1) as base, httpx.Client(base_url=base, timeout=30) as http:
        timed(http, "/")
        timed(http, "/match?q=warm+up")
        timed(http, FLOOR)
        report("/ (list, 10 filter sets x 6)", paired(http, LIST_QUERIES * 6))
        report(
            "/passports/<slug> first view (signature verified, then cached)",
            paired(http, [f"/passports/{slug}" for slug in sample]),
        )
        report(
            "/passports/<slug> again (verdict cached)",
            paired(http, [f"/passports/{slug}" for slug in sample]),
        )
        report(
            "/match?q=... (10 needs x 3)",
            paired(http, [f"/match?{httpx.QueryParams(q=need)}" for need in NEEDS * 3]),
        )
        trios = zip(sample[0::3], sample[1::3], sample[2::3], strict=False)
        report(
            "/compare (3 passports)",
            paired(
                http,
                [
                    f"/compare?{httpx.QueryParams([('artifact', s) for s in trio])}"
                    for trio in trios
                ][:30],
            ),
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
