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
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CLIENTS,
    DURATION,
    PYTHON,
    REPO,
    call,
    child_pids,
    compare,
    gunicorn,
    per_second,
    registry,
    under_load,
)

sys.path.insert(0, str(REPO))
import nacl.signing  # noqa: E402

from passports import jcs  # noqa: E402
from passports.canonical import parse_json, read_json, signed_bytes  # noqa: E402
from passports.signing import keys_from_jwks, verify_document  # noqa: E402

SLUG = "meta-llama-llama-4-maverick"


def rate(work: Callable[[], object]) -> tuple[float, float]:
    """(calls/s, calls per CPU second of this process)."""
    cpu = time.process_time()
    wall = per_second(work)
    return wall, wall * DURATION / max(time.process_time() - cpu, 1e-9)


def main(var_dir: Path | None = None) -> None:
    var_dir, env = registry(var_dir, "bench-verify-")
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
            "verify",
            "POST /api/v1/verify",
            jwks_floor,
            lambda: under_load(post, worker),
            lambda: under_load(keys_view, worker),
        )
        compare(
            "verify",
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
    assert read_json(body, ordered=True).quick
    assert verify_document(read_json(body, ordered=True), keys).valid
    raw_floor = f"raw PyNaCl verify of the same {len(message):,} signed bytes"

    def versus_raw(label: str, verify: Callable[[], object]) -> None:
        compare(
            "verify",
            label,
            raw_floor,
            lambda: rate(verify),
            lambda: rate(lambda: verify_key.verify(message, signature)),
            cpu="/s of CPU",
        )

    ordered = "read_json(ordered=True) + verify_document"

    def ordered_verify() -> object:
        return verify_document(read_json(body, ordered=True), keys)

    versus_raw(
        f"in process: {ordered} (POST /api/v1/verify and python -m passports.verify)",
        ordered_verify,
    )
    # The same, as a copy of passports/ without orjson reads and writes: the stdlib's C
    # parser with a sorting hook per object, and its encoder.
    saved = jcs.orjson
    jcs.orjson = None  # type: ignore[assignment]
    try:
        versus_raw(f"in process: {ordered}, without orjson (the stdlib's parse)", ordered_verify)
    finally:
        jcs.orjson = saved
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
