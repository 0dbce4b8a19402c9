"""Verifications per second, each printed beside its floor measured in the same run:
- in process, parse + canonicalise + verify of a served document's bytes (what POST
  /api/v1/verify and `python -m passports.verify` do: read_json(ordered=True), then
  verify_document) against raw PyNaCl verifying the same signed bytes (the floor: only
  the signature check); and the same with the general parse, and with a parsed value;
- over HTTP (one gunicorn worker, a few concurrent loopback clients), POST
  /api/v1/verify and GET /api/v1/verify?slug= against GET /.well-known/jwks.json (the
  floor: a view that reads the keys and writes a little JSON);
each per second of wall time and per CPU second (the server's, or this process's):
the second is what one core does, and holds still when others share the machine;
- the offline verifier's command, a process per document.
Figures are printed, never asserted."""

from __future__ import annotations

import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, child_pids, gunicorn, manage, scratch_env  # noqa: E402

sys.path.insert(0, str(REPO))
import nacl.signing  # noqa: E402

from passports.canonical import parse_json, read_json, signed_bytes  # noqa: E402
from passports.signing import keys_from_jwks, verify_document  # noqa: E402

SLUG = "meta-llama-llama-4-maverick"
DURATION = 3.0  # seconds per figure and round
ROUNDS = 3  # rounds alternate figure and floor; the median of each is printed
CLIENTS = 4


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
    label: str,
    floor_label: str,
    figure: Callable[[], tuple[float, float]],
    floor: Callable[[], tuple[float, float]],
    cpu: str = "/s of server CPU",
) -> None:
    """Alternate figure and floor ROUNDS times (others share the CPU); print medians and
    ratios: per second of wall time, and per CPU second of the server."""
    figures, floors = [], []
    for _ in range(ROUNDS):
        figures.append(figure())
        floors.append(floor())
    for what, index in (("/s", 0), (cpu, 1)):
        mine = statistics.median(f[index] for f in figures)
        base = statistics.median(f[index] for f in floors)
        print(f"verify: {label}: {mine:,.0f}{what}")
        print(f"verify:   floor, {floor_label}: {base:,.0f}{what}; ratio {mine / base:.2f}")


def call(
    port: int, method: str, path: str, body: bytes | None = None, valid: bool = False
) -> Callable[[], None]:
    """One request on a fresh connection (gunicorn's sync worker closes each), with
    http.client: a lighter client than httpx, so the clients load the CPU less."""
    headers = {"Content-Type": "application/json"} if body is not None else {}

    def request() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        assert response.status == 200, data[:200]
        if valid:
            assert json.loads(data)["valid"] is True

    return request


def rate(work: Callable[[], object]) -> tuple[float, float]:
    """(calls/s, calls per CPU second of this process)."""
    cpu = time.process_time()
    wall = per_second(work)
    return wall, wall * DURATION / max(time.process_time() - cpu, 1e-9)


def main(var_dir: Path | None = None) -> None:
    own = var_dir is None
    var_dir = var_dir or Path(tempfile.mkdtemp(prefix="bench-verify-"))
    # Throughput, not the limits: every client here is 127.0.0.1, which THROTTLE_VERIFY
    # (120/min) would stop within a second, as bench/load.py does.
    env = scratch_env(var_dir, THROTTLE_ENABLED="0")
    if own:
        manage(env, "migrate", "-v0")
        manage(env, "passport_keys", "generate")
        manage(env, "bootstrap", "--skip-catalogs")
    pids: list[int] = []
    with gunicorn(env, workers=1, pids=pids) as base:
        document = httpx.get(f"{base}/api/v1/passport/{SLUG}").json()
        jwks = httpx.get(f"{base}/.well-known/jwks.json").json()
        body = json.dumps(document, ensure_ascii=False).encode()
        worker = child_pids(pids[0])[0]
        port = int(base.rsplit(":", 1)[1])
        post = call(port, "POST", "/api/v1/verify", body, valid=True)
        get = call(port, "GET", f"/api/v1/verify?slug={SLUG}", valid=True)
        keys_view = call(port, "GET", "/.well-known/jwks.json")
        print(f"verify: a served document of {len(body):,} bytes; {CLIENTS} clients, 1 worker")
        jwks_floor = "GET /.well-known/jwks.json, same load"
        compare(
            "POST /api/v1/verify",
            jwks_floor,
            lambda: under_load(post, worker),
            lambda: under_load(keys_view, worker),
        )
        compare(
            "GET /api/v1/verify?slug= (the stored signed bytes)",
            jwks_floor,
            lambda: under_load(get, worker),
            lambda: under_load(keys_view, worker),
        )

    keys = keys_from_jwks(jwks)
    passport = document["passport"]
    message = signed_bytes(passport)
    signature = base64.b64decode(passport["signature"])
    verify_key = nacl.signing.VerifyKey(next(iter(keys.values())).public)
    assert read_json(body, ordered=True).ordered
    assert verify_document(read_json(body, ordered=True), keys).valid
    raw_floor = f"raw PyNaCl verify of the same {len(message):,} signed bytes"

    def versus_raw(label: str, verify: Callable[[], object]) -> None:
        compare(
            label,
            raw_floor,
            lambda: rate(verify),
            lambda: rate(lambda: verify_key.verify(message, signature)),
            cpu="/s of CPU",
        )

    ordered = "read_json(ordered=True) + verify_document"

    def ordered_verify() -> object:
        return verify_document(read_json(body, ordered=True), keys)

    # Until this process loads pydantic_core, as the offline verifier never does, the
    # ordered bytes come from the stdlib (jcs.dumps_ordered says why).
    if "pydantic_core" in sys.modules:  # make bench ran a Django bench in this process
        print("verify: (pydantic_core is loaded here: run bench/verify.py alone for the stdlib)")
    else:
        versus_raw(
            f"in process: {ordered}, stdlib writer (python -m passports.verify)", ordered_verify
        )
    import pydantic_core  # noqa: F401, E402 (loaded here as the registry loads it)

    versus_raw(
        f"in process: {ordered}, pydantic_core writer (POST /api/v1/verify, the registry)",
        ordered_verify,
    )
    versus_raw(
        "in process: read_json + verify_document (member order kept: the general parse)",
        lambda: verify_document(read_json(body), keys),
    )
    versus_raw(
        "in process: parse_json + verify_document (a parsed value: one more walk)",
        lambda: verify_document(parse_json(body), keys),
    )
    with tempfile.TemporaryDirectory() as scratch:
        doc_file, jwks_file = Path(scratch) / "doc.json", Path(scratch) / "jwks.json"
        doc_file.write_bytes(body)
        jwks_file.write_text(json.dumps(jwks))
        command = [PYTHON, "-m", "passports.verify", str(doc_file), "--jwks", str(jwks_file)]
        processes = per_second(
            lambda: subprocess.run(command, cwd=REPO, check=True, capture_output=True), 5.0
        )
        print(f"verify: python -m passports.verify (a process per document): {processes:,.1f}/s")


if __name__ == "__main__":
    main()
