"""Load: 100 concurrent clients for 60 s over list, detail, verify and resolve (loopback only).

    # against `make run` (start it with THROTTLE_ENABLED=0: this measures throughput)
    THROTTLE_ENABLED=0 make run
    python bench/load.py [--url http://127.0.0.1:8000] [--var-dir var] [--clients 100] [--seconds 60]
    # or the bench starts the same stack (bin/serve.py, throttles off) on a registry itself
    python bench/load.py --serve --var-dir var

Per route it prints requests, requests/s, p50/p95/p99 latency and errors (an answer other
than 2xx/3xx, a transport error, or a verify answer that is not `valid`); 429 answers are
counted apart as "throttled". Beside them, the floor: the JWKS view (no database, no
signing) in the same mix, so its latency is what any request waits under this load.

Lost writes: every answered resolve carries a resolveId and is logged in matching's
ResolveLog; the log's rows are counted before and after, in the database the server
uses (VAR_DIR / DATABASE_URL, as in settings), and every answered id is looked up.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, free_port  # noqa: E402

NEEDS = [
    "summarize a long PDF report",
    "translate customer emails from German to English",
    "write Python code that parses CSV files",
    "read screenshots of invoices and pull out the totals",
    "chat with customers about their orders",
    "transcribe a podcast recording",
    "generate a photorealistic picture of a cat",
    "embed documents for semantic search",
    "explain a bar chart image",
    "a cheap model for classifying support tickets",
    "answer questions about a 300-page contract",
    "draft polite replies to complaints",
    "find bugs in my pull request",
    "turn meeting notes into action items",
    "the fastest model for autocomplete in an editor",
    "detect the sentiment of product reviews",
    "extract fields from scanned forms as JSON",
    "an open-weights model I can run myself",
    "proofread a job posting",
    "read text out loud in a natural voice",
]
TIMEOUT = 60.0  # seconds per request: a request queued behind 100 clients still answers
SERVE_START_SECONDS = 300  # the model and index load before gunicorn listens


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class RouteStats:
    label: str
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    throttled: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values()) + self.throttled


@dataclass
class Plan:
    """What the clients ask for: read from the server before the clock starts."""

    pages: int
    slugs: list[str]
    documents: list[bytes]


@dataclass
class Route:
    name: str
    label: str
    weight: int
    request: Callable[[random.Random, Plan], tuple[str, str, bytes | None]]


JSON = {"Content-Type": "application/json"}
ROUTES = [
    Route(
        "list",
        "GET /api/v1/passport?page=N",
        25,
        lambda rng, plan: ("GET", f"/api/v1/passport?page={rng.randint(1, plan.pages)}", None),
    ),
    Route(
        "detail",
        "GET /api/v1/passport/<slug>",
        30,
        lambda rng, plan: ("GET", f"/api/v1/passport/{rng.choice(plan.slugs)}", None),
    ),
    Route(
        "verify",
        "POST /api/v1/verify (document)",
        8,
        lambda rng, plan: ("POST", "/api/v1/verify", rng.choice(plan.documents)),
    ),
    Route(
        "verify-slug",
        "GET /api/v1/verify?slug=<slug>",
        7,
        lambda rng, plan: ("GET", f"/api/v1/verify?slug={rng.choice(plan.slugs)}", None),
    ),
    Route(
        "resolve",
        "POST /api/v1/resolve",
        25,
        lambda rng, plan: (
            "POST",
            "/api/v1/resolve",
            json.dumps({"intent": rng.choice(NEEDS)}).encode(),
        ),
    ),
    Route(
        "floor",
        "GET /.well-known/jwks.json",
        5,
        lambda rng, plan: ("GET", "/.well-known/jwks.json", None),
    ),
]


def loopback_only(url: str) -> None:
    """Refuse any target outside 127.0.0.0/8 (every address the host name resolves to)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SystemExit(f"load: --url must be an http(s) URL, got {url!r}")
    infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    addresses = {str(info[4][0]) for info in infos}
    loopback = ipaddress.ip_network("127.0.0.0/8")
    outside = sorted(a for a in addresses if ipaddress.ip_address(a) not in loopback)
    if outside:
        raise SystemExit(
            f"load: refusing {url}: {parts.hostname} resolves to {', '.join(outside)}, "
            "outside 127.0.0.0/8 (use http://127.0.0.1:PORT)"
        )


def plan_read(base: str) -> Plan:
    """Every slug (from the list's pages) and a few signed documents to verify."""
    slugs: list[str] = []
    with httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        first = http.get("/api/v1/passport", params={"page_size": 100})
        first.raise_for_status()
        count = first.json()["count"]
        for page in range(1, (count + 99) // 100 + 1):
            answer = http.get("/api/v1/passport", params={"page_size": 100, "page": page})
            answer.raise_for_status()
            slugs += [row["slug"] for row in answer.json()["results"]]
        documents = [
            http.get(f"/api/v1/passport/{slug}").content
            for slug in slugs[:: max(1, len(slugs) // 10)][:10]
        ]
    return Plan(pages=max(1, (count + 19) // 20), slugs=slugs, documents=documents)


async def client(
    number: int,
    http: httpx.AsyncClient,
    plan: Plan,
    deadline: float,
    stats: dict[str, RouteStats],
    resolve_ids: list[str],
) -> None:
    rng = random.Random(number)  # noqa: S311 (a reproducible mix, not a secret)
    weights = [route.weight for route in ROUTES]
    while time.monotonic() < deadline:
        route = rng.choices(ROUTES, weights)[0]
        method, path, body = route.request(rng, plan)
        numbers = stats[route.name]
        began = time.perf_counter()
        try:
            answer = await http.request(
                method, path, content=body, headers=JSON if body is not None else None
            )
        except httpx.HTTPError as exc:
            numbers.errors[type(exc).__name__] += 1
            continue
        elapsed = time.perf_counter() - began
        if answer.status_code == 429:
            numbers.throttled += 1
        elif answer.status_code >= 400:
            numbers.errors[str(answer.status_code)] += 1
        elif route.name.startswith("verify") and answer.json().get("valid") is not True:
            numbers.errors["valid is not true"] += 1
        else:
            numbers.latencies.append(elapsed)
            if route.name == "resolve":
                resolve_ids.append(answer.json()["resolveId"])


async def drive(
    base: str, plan: Plan, clients: int, seconds: float
) -> tuple[dict[str, RouteStats], list[str], float]:
    stats = {route.name: RouteStats(route.label) for route in ROUTES}
    resolve_ids: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(client(n, http, plan, deadline, stats, resolve_ids) for n in range(clients))
        )
        elapsed = time.monotonic() - started
    return stats, resolve_ids, elapsed


class ResolveLogCounter:
    """Counts matching's resolve log in the server's database (Django, as the server reads it)."""

    def __init__(self) -> None:
        try:
            sys.path.insert(0, str(REPO))
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            # Only to read the log. DEBUG is off unless set, and then the settings refuse the
            # development key: a development registry (make run's) is read with DEBUG=1; a
            # production one with the environment its server has (DEBUG=0, SECRET_KEY, ...).
            os.environ.setdefault("DEBUG", "1")
            import django

            django.setup()
            import logging

            logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
            self.count()
            self.problem = ""
        except Exception as exc:  # noqa: BLE001 (any failure means: not counted, say why)
            self.problem = f"{type(exc).__name__}: {exc}"

    def count(self) -> int:
        from matching.models import ResolveLog

        return ResolveLog.objects.count()

    def missing(self, resolve_ids: list[str]) -> int:
        from matching.models import ResolveLog

        found: set[str] = set()
        for start in range(0, len(resolve_ids), 500):
            batch = resolve_ids[start : start + 500]
            found |= {
                str(value)
                for value in ResolveLog.objects.filter(resolve_id__in=batch).values_list(
                    "resolve_id", flat=True
                )
            }
        return len(set(resolve_ids) - found)


def report(stats: dict[str, RouteStats], elapsed: float) -> None:
    print(
        f"load: {'route':<11} {'':<34} {'requests':>8} {'req/s':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'throttled':>9}"
    )
    everything: list[float] = []
    for name, numbers in stats.items():
        ordered = sorted(numbers.latencies)
        everything += ordered
        print(line(name, numbers.label, numbers, ordered, elapsed))
    total = RouteStats("all routes")
    for numbers in stats.values():
        total.latencies += numbers.latencies
        total.errors.update(numbers.errors)
        total.throttled += numbers.throttled
    print(line("total", "", total, sorted(everything), elapsed))
    problems = [
        f"{name} {reason} x {count}"
        for name, numbers in stats.items()
        for reason, count in numbers.errors.most_common()
    ]
    print(f"load: errors: {'; '.join(problems) if problems else 'none'}")


def line(name: str, label: str, numbers: RouteStats, ordered: list[float], elapsed: float) -> str:
    p50, p95, p99 = (1000 * percentile(ordered, f) for f in (0.50, 0.95, 0.99))
    return (
        f"load: {name:<11} {label:<34} {numbers.requests:>8} {numbers.requests / elapsed:>7.1f} "
        f"{p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {sum(numbers.errors.values()):>6} "
        f"{numbers.throttled:>9}"
    )


def serve_start(var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`make run`'s stack (bin/serve.py) on the registry in var_dir, throttles off."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        VAR_DIR=str(var_dir),
        # Throughput is measured: DRF's throttles (on by default) would answer 429.
        THROTTLE_ENABLED="0",
        DEBUG="0",
        SECRET_KEY="bench-only-secret",  # noqa: S106
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        OPENROUTER_MODELS_URL="",
        LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    log = open(var_dir / "load-serve.log", "ab")  # noqa: SIM115 (open for the child's lifetime)
    return subprocess.Popen(
        [PYTHON, "bin/serve.py", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_serving(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVE_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"load: the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{base}/api/v1/passport", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"load: the server did not answer within {SERVE_START_SECONDS} s")


def serve_stop(process: subprocess.Popen[bytes]) -> float:
    """Ctrl-C to the stack's process group; seconds until bin/serve.py has exited."""
    began = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    return time.monotonic() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a server on 127.0.0.0/8")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--var-dir", type=Path, help="the server's VAR_DIR (for the resolve log; default: var/)"
    )
    parser.add_argument(
        "--serve", action="store_true", help="start bin/serve.py on --var-dir, throttles off"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 1000 or not 0 < args.seconds <= 3600:
        raise SystemExit("load: --clients must be 1..1000 and --seconds 0..3600")
    if args.var_dir is not None:
        os.environ["VAR_DIR"] = str(args.var_dir.resolve())
    process = None
    if args.serve:
        var_dir = Path(os.environ.get("VAR_DIR", REPO / "var"))
        if not (var_dir / "registry.sqlite3").exists():
            raise SystemExit(f"load: no registry in {var_dir}: run `manage.py bootstrap` first")
        os.environ.pop("DATABASE_URL", None)
        base = f"http://127.0.0.1:{free_port()}"
        process = serve_start(var_dir, int(base.rsplit(":", 1)[1]))
    else:
        base = args.url.rstrip("/")
        loopback_only(base)
    try:
        if process is not None:
            wait_serving(base, process)
            print(f"load: bin/serve.py started on {base}, THROTTLE_ENABLED=0")
        else:
            print(
                f"load: against {base}: start it with THROTTLE_ENABLED=0 (throughput is "
                "measured); 429 answers are counted as throttled, not as errors"
            )
        plan = plan_read(base)
        log = ResolveLogCounter()
        before = log.count() if not log.problem else 0
        print(
            f"load: {args.clients} clients for {args.seconds:g} s; {len(plan.slugs)} passports, "
            f"{plan.pages} list pages, {len(NEEDS)} needs"
        )
        load_before = os.getloadavg()[0]
        stats, resolve_ids, elapsed = asyncio.run(drive(base, plan, args.clients, args.seconds))
        report(stats, elapsed)
        print(
            f"load: {elapsed:.1f} s in all; this machine's 1-minute load average "
            f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores, "
            "the clients included)"
        )
        if log.problem:
            print(f"load: resolve log: not counted ({log.problem}); give --var-dir")
        else:
            added = log.count() - before
            print(
                f"load: resolve log: {len(resolve_ids)} resolves answered, {added} rows added, "
                f"{log.missing(resolve_ids)} answered ids missing from the log"
            )
    finally:
        if process is not None and process.poll() is None:
            print(f"load: server stopped {serve_stop(process):.1f} s after Ctrl-C (SIGINT)")


if __name__ == "__main__":
    main()
