"""Resolve latency at 1k, 10k and 100k capabilities: p50 and p95, in-process and over HTTP.

The registries are generated: artifacts with four capabilities each (a description, two
intents, one best_for line: four index rows per capability; each filed under its task, one
of 15 categories), modalities, context sizes, prices and trust scores drawn at random (fixed
seed), and one really signed passport version per artifact. Capability texts
come from a pool of combinatorial phrases encoded once with the real model and
cached by text hash, as a real rebuild reuses them; queries are encoded live.

    python bench/resolve_latency.py [--scales 1000,10000,100000] [--queries 200] [--no-http]

At each scale the index resolve uses (approximate above MATCH_ANN_THRESHOLD rows, as in
production) is timed beside the exact flat index of the same rows, the floor, resolve by
resolve in alternation; recall@10 compares their nearest rows over the same queries. The
registries repeat each of the pool's 4,000 texts many times (each text about 100 times at
100k), which an inverted file handles as any other data (a graph index does not: HNSW found
half the flat index's top 10 on them). "web MB" is the peak resident memory (VmHWM) of the
gunicorn worker that answered. Runtime: about 15 minutes on 2 busy cores, most of it the
100k registry (generating it, and 200 resolves over the flat index).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PYTHON,
    REPO,
    child_pids,
    gunicorn,
    peak_rss_mb,
    percentiles,
    scratch_env,
)
from synthetic_registry import QUERIES, django_setup, generate, index_texts  # noqa: E402


def recall_at_10(flat: Any, approximate: Any, query: Any) -> float:
    """Share of the approximate index's 10 nearest rows that are among the flat index's 10
    nearest, ties counted: a row as similar (exactly, by the flat index's float32 vectors) as
    the flat 10th counts, since the bench's registries repeat each text many times."""
    flat_ids, flat_scores = flat.nearest(query, k=10)
    ids, _ = approximate.nearest(query, k=10)
    exact = flat.vectors()[ids] @ query
    return float((exact >= flat_scores[-1] - 1e-6).sum() / len(flat_ids))


def child(args: argparse.Namespace) -> None:
    var_dir = Path(args.var_dir)
    django_setup(var_dir)
    timings = generate(capabilities=args.scale, pool_file=Path(args.pool))
    from django.test import override_settings

    from matching import indexing
    from matching.embeddings import get_embedder
    from matching.indexing import index_build, index_refresh
    from matching.resolve import resolve, resolve_request
    from matching.shortlist import SEARCH_DEPTH
    from matching.vocabulary import read_as
    from matching.warmup import warm

    # The index every process uses (saved for the server below): approximate above
    # MATCH_ANN_THRESHOLD rows. Then the exact flat index of the same rows, the floor.
    started = time.perf_counter()
    index, report = index_refresh()
    timings["index_s"] = time.perf_counter() - started
    flat = index
    if index.approximate:
        started = time.perf_counter()
        with override_settings(MATCH_ANN_THRESHOLD=10**12):
            flat, _ = index_build()
        timings["flat_index_s"] = time.perf_counter() - started
    embedder = get_embedder()
    embedder.encode(["warm up"])
    warm()  # as a web process starts (config/wsgi.py)
    queries = [f"{QUERIES[i % len(QUERIES)]} (case {i})" for i in range(args.queries)]
    indexes = {"flat": flat, "ann": index} if index.approximate else {"flat": flat}

    cpu: list[float] = []  # CPU ms of each resolve over the index resolve uses

    def timed(which: str, query: str) -> tuple[float, list[str]]:
        # Both indexes reflect the same registry state: the one held is the one resolve uses.
        indexing._holder.index = indexes[which]
        begun, cpu_begun = time.perf_counter(), time.process_time()
        answer = resolve(request=resolve_request({"intent": query}), base_url="http://bench")
        if indexes[which] is index:
            cpu.append((time.process_time() - cpu_begun) * 1000)
        return (time.perf_counter() - begun) * 1000, [
            r["artifact"]["slug"] for r in answer["resolved"]
        ]

    for query in QUERIES[:5]:
        for which in indexes:
            timed(which, query)
    cpu.clear()
    samples: dict[str, list[float]] = {which: [] for which in indexes}
    overlap: list[float] = []
    recall: list[float] = []
    encode = []
    floor: list[float] = []
    floor_cpu: list[float] = []
    for i, query in enumerate(queries):
        # Alternated, so both indexes see the same load from whatever else runs here.
        order = list(indexes) if i % 2 == 0 else list(reversed(indexes))
        shown: dict[str, list[str]] = {}
        for which in order:
            ms, shown[which] = timed(which, query)
            samples[which].append(ms)
        begun, cpu_begun = time.perf_counter(), time.process_time()
        vector = embedder.encode([read_as(query)])[0]
        encode.append((time.perf_counter() - begun) * 1000)
        # The floor: what a resolve cannot avoid, the query's encoding and one raw search of
        # the index it uses (as deep as a resolve's first search); in wall and CPU time.
        index.nearest(vector, k=SEARCH_DEPTH)
        floor.append((time.perf_counter() - begun) * 1000)
        floor_cpu.append((time.process_time() - cpu_begun) * 1000)
        if index.approximate:
            recall.append(recall_at_10(flat, index, vector))
            expected = shown["flat"][:10]
            overlap.append(len(set(shown["ann"][:10]) & set(expected)) / max(len(expected), 1))
    indexing._holder.index = index
    figures: dict[str, Any] = {
        "scale": args.scale,
        "rows": report.rows,
        "capabilities": report.capabilities,
        "approximate": index.approximate,
        "index_file_mb": round(
            (indexing.index_folder() / index.state / "vectors.faiss").stat().st_size / 2**20
        ),
    }
    for which, values in samples.items():
        p50, p95 = percentiles(values)
        figures[f"{which}_p50_ms"], figures[f"{which}_p95_ms"] = round(p50, 1), round(p95, 1)
    e50, _ = percentiles(encode)
    figures["encode_p50_ms"] = round(e50, 1)
    used = "ann" if index.approximate else "flat"
    _, floor95 = percentiles(floor)
    _, cpu95 = percentiles(cpu)
    _, floor_cpu95 = percentiles(floor_cpu)
    figures["floor_cpu_p95_ms"] = round(floor_cpu95, 1)
    figures["floor_p95_ms"] = round(floor95, 1)
    figures["resolve_p95_ms"] = figures[f"{used}_p95_ms"]
    figures["resolve_cpu_p95_ms"] = round(cpu95, 1)
    if recall:
        figures["recall_at_10"] = round(sum(recall) / len(recall), 4)
        figures["resolve_overlap_at_10"] = round(sum(overlap) / len(overlap), 4)
    print(json.dumps({**figures, **{k: round(v, 1) for k, v in timings.items()}}))


def over_http(var_dir: Path, queries: int) -> dict[str, float]:
    import httpx

    # As `make run`, without the per-client limit (60 resolves a minute): this measures latency.
    env = scratch_env(var_dir, MATCH_WARM_ON_START="1", THROTTLE_ENABLED="0")
    samples = []
    masters: list[int] = []
    started = time.perf_counter()
    with (
        gunicorn(env, workers=1, pids=masters) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        first_started = time.perf_counter()
        first = client.post("/api/v1/resolve", json={"intent": QUERIES[0]})
        first_ms = (time.perf_counter() - first_started) * 1000
        up_s = first_started - started
        assert first.status_code == 200, first.text
        for i in range(queries):
            body = {"intent": f"{QUERIES[i % len(QUERIES)]} (call {i})"}
            begun = time.perf_counter()
            response = client.post("/api/v1/resolve", json=body)
            samples.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, response.text
        # The web worker that answered: model, index and registry state in memory.
        web_mb = max(peak_rss_mb(pid) for pid in child_pids(masters[0]))
    p50, p95 = percentiles(samples)
    return {
        "web_peak_mb": round(web_mb),
        "http_p50_ms": round(p50, 1),
        "http_p95_ms": round(p95, 1),
        "first_request_ms": round(first_ms, 1),
        "server_up_s": round(up_s, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--scale", type=int)
    parser.add_argument("--var-dir")
    parser.add_argument("--pool")
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    begun = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="resolve-latency-") as scratch:
        texts = index_texts()
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
        pool_file = REPO / "var" / "bench" / f"resolve-pool-{digest}.npy"
        if pool_file.exists():
            print(f"text pool: {len(texts)} phrases, vectors from {pool_file}")
        else:
            django_setup(Path(scratch) / "pool")
            import numpy as np

            from matching.embeddings import get_embedder

            started = time.perf_counter()
            vectors = get_embedder().encode(texts)
            encode_s = time.perf_counter() - started
            pool_file.parent.mkdir(parents=True, exist_ok=True)
            np.save(pool_file, vectors)
            print(
                f"text pool: {len(texts)} phrases encoded in {encode_s:.1f} s "
                f"({len(texts) / encode_s:.0f} texts/s, the raw model rate on this machine)",
                flush=True,
            )
        print(
            "in process, query encoding included; flat: the exact index of the same rows (the "
            "floor), ann: the index resolve uses (approximate above MATCH_ANN_THRESHOLD rows); "
            "recall@10 of ann's nearest rows against flat's; overlap: share of flat's resolved "
            "models that ann's resolve shows too; http and web MB: gunicorn, 1 worker, ann"
        )
        print(
            f"{'capabilities':>12} {'rows':>7} {'flat p50':>8} {'flat p95':>8} {'ann p50':>7} "
            f"{'ann p95':>7} {'p95 ann/flat':>12} {'recall@10':>9} {'overlap':>7} "
            f"{'encode p50':>10} {'http p50':>8} {'http p95':>8} {'1st req ms':>10} "
            f"{'index s':>7} {'flat s':>6} {'file MB':>7} {'web MB':>6}"
        )
        table: list[dict[str, Any]] = []
        for scale in [int(s) for s in args.scales.split(",")]:
            var_dir = Path(scratch) / f"scale-{scale}"
            var_dir.mkdir()
            result = subprocess.run(
                [
                    PYTHON,
                    __file__,
                    "--child",
                    f"--scale={scale}",
                    f"--var-dir={var_dir}",
                    f"--pool={pool_file}",
                    f"--queries={args.queries}",
                ],
                cwd=REPO,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                sys.exit(f"scale {scale} failed:\n{result.stderr[-4000:]}")
            figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
            if not args.no_http:
                figures.update(over_http(var_dir, args.queries))
            table.append(figures)
            ann = figures["approximate"]
            ann_p50 = figures["ann_p50_ms"] if ann else "-"
            ann_p95 = figures["ann_p95_ms"] if ann else "-"
            ratio = f"{figures['ann_p95_ms'] / figures['flat_p95_ms']:.2f}" if ann else "-"
            print(
                f"{figures['capabilities']:>12} {figures['rows']:>7} {figures['flat_p50_ms']:>8} "
                f"{figures['flat_p95_ms']:>8} {ann_p50:>7} {ann_p95:>7} {ratio:>12} "
                f"{figures.get('recall_at_10', '-'):>9} "
                f"{figures.get('resolve_overlap_at_10', '-'):>7} {figures['encode_p50_ms']:>10} "
                f"{figures.get('http_p50_ms', '-'):>8} {figures.get('http_p95_ms', '-'):>8} "
                f"{figures.get('first_request_ms', '-'):>10} {figures['index_s']:>7} "
                f"{figures.get('flat_index_s', '-'):>6} {figures['index_file_mb']:>7} "
                f"{figures.get('web_peak_mb', '-'):>6}",
                flush=True,
            )
        print(
            "in process, the index resolve uses: p95 of resolve (query encoding included) beside "
            "the floor measured in the same run, p95 of the raw query encode plus one raw search "
            "(150 rows, SEARCH_DEPTH) of that index; in wall time, and in CPU time "
            "(time.process_time, what the shared cores' load moves least)"
        )
        print(
            f"{'capabilities':>12} {'p95 ms':>7} {'floor p95':>9} {'p95/floor':>9} "
            f"{'cpu p95':>7} {'cpu floor':>9} {'cpu/floor':>9}"
        )
        for figures in table:
            print(
                f"{figures['capabilities']:>12} {figures['resolve_p95_ms']:>7} "
                f"{figures['floor_p95_ms']:>9} "
                f"{figures['resolve_p95_ms'] / figures['floor_p95_ms']:>9.2f} "
                f"{figures['resolve_cpu_p95_ms']:>7} {figures['floor_cpu_p95_ms']:>9} "
                f"{figures['resolve_cpu_p95_ms'] / figures['floor_cpu_p95_ms']:>9.2f}",
                flush=True,
            )
        print(f"resolve_latency: {time.perf_counter() - begun:.0f} s", flush=True)


if __name__ == "__main__":
    main()
