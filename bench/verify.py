"""Verifications per second: POST /api/v1/verify (one gunicorn worker), the offline
verifier's function and its command, and raw PyNaCl on the same bytes, in one run."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, gunicorn, manage, scratch_env  # noqa: E402

sys.path.insert(0, str(REPO))
from passports.canonical import signed_bytes  # noqa: E402
from passports.signing import keys_from_jwks, verify_document  # noqa: E402

DURATION = 5.0


def rate(label: str, work: object, limit: int = 200_000) -> float:
    assert callable(work)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < DURATION and done < limit:
        work()
        done += 1
    per_second = done / (time.perf_counter() - start)
    print(f"verify: {label}: {per_second:,.0f}/s ({done} in {DURATION:.0f} s)")
    return per_second


def main(var_dir: Path | None = None) -> None:
    own = var_dir is None
    var_dir = var_dir or Path(tempfile.mkdtemp(prefix="bench-verify-"))
    env = scratch_env(var_dir)
    if own:
        manage(env, "migrate", "-v0")
        manage(env, "passport_keys", "generate")
        manage(env, "bootstrap", "--skip-catalogs")
    with gunicorn(env, workers=1) as base:
        document = httpx.get(f"{base}/api/v1/passport/meta-llama-llama-4-maverick").json()
        jwks = httpx.get(f"{base}/.well-known/jwks.json").json()
        body = json.dumps(document).encode()
        with httpx.Client() as http:

            def over_http() -> None:
                answer = http.post(
                    f"{base}/api/v1/verify",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                assert answer.json()["valid"] is True

            rate("POST /api/v1/verify, 1 gunicorn worker, 1 client", over_http, limit=20_000)
    keys = keys_from_jwks(jwks)
    rate(
        "offline verifier function (parse keys once, canonicalise + verify)",
        lambda: verify_document(document, keys),
    )
    passport = document["passport"]
    message = signed_bytes(passport)
    signature = base64.b64decode(passport["signature"])
    key = next(iter(keys.values())).public
    import nacl.signing

    verify_key = nacl.signing.VerifyKey(key)
    rate(
        f"raw PyNaCl verify of the same {len(message):,} bytes",
        lambda: verify_key.verify(message, signature),
    )
    with tempfile.TemporaryDirectory() as scratch:
        doc_file, jwks_file = Path(scratch) / "doc.json", Path(scratch) / "jwks.json"
        doc_file.write_text(json.dumps(document))
        jwks_file.write_text(json.dumps(jwks))
        command = [PYTHON, "-m", "passports.verify", str(doc_file), "--jwks", str(jwks_file)]
        rate(
            "python -m passports.verify (a process per document)",
            lambda: subprocess.run(command, cwd=REPO, check=True, capture_output=True),
            limit=200,
        )


if __name__ == "__main__":
    main()
