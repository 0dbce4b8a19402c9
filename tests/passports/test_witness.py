"""A real witness process on 127.0.0.1: it cosigns a growing log and refuses a fork."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from passports.cosignature import cosigned_by, parse_cosigner_vkey
from passports.log import log_key
from passports.note import checkpoint_body, sign_note
from registry.services import passport_import
from tests.conftest import REPO

pytestmark = pytest.mark.django_db


@pytest.fixture
def witness(seeds: list[str], api: Any, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, cosigner key) of a witness process trusting this registry's log key."""
    log = api.get("/api/v1/log").json()["verifierKey"]
    command = [
        sys.executable, "-m", "passports.witness",
        "--key", str(tmp_path / "witness.jwk"), "--log-key", log, "--port", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        started = process.stdout.readline().split()
        assert started[0] == "witness"
        yield started[3], started[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def add(base: str, old: int, proof: list[str], checkpoint: str) -> httpx.Response:
    body = "".join(f"{line}\n" for line in [f"old {old}", *proof]) + "\n" + checkpoint
    return httpx.post(f"{base}/add-checkpoint", content=body.encode(), timeout=10)


def test_the_witness_cosigns_a_growing_log_and_refuses_a_fork(
    witness: tuple[str, str], client: Any, api: Any, seed_documents: dict[str, Any]
) -> None:
    base, vkey = witness
    cosigner = parse_cosigner_vkey(vkey)
    first = client.get("/log/checkpoint").content.decode()
    answer = add(base, 0, [], first)
    assert answer.status_code == 200, answer.text
    assert cosigned_by(first + answer.text, [cosigner]) == ["witness.local/w1"]

    changed = copy.deepcopy(seed_documents["liquid-lfm-2-24b-a2b"])
    changed["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed."
    assert passport_import(document=changed).status == "updated"
    second = client.get("/log/checkpoint").content.decode()
    proof = api.get("/api/v1/log/consistency", {"from": 4, "to": 5}).json()["proof"]
    assert add(base, 4, proof, second).status_code == 200
    stale = add(base, 4, proof, second)
    assert (stale.status_code, stale.headers["content-type"], stale.text) == (
        409,
        "text/x.tlog.size",
        "5\n",
    )

    # The log's key signs another tree of the same size: a fork. The witness refuses it.
    forked = sign_note(
        checkpoint_body(settings.LOG_ORIGIN, 5, b"\x07" * 32),
        name=settings.LOG_ORIGIN,
        private_seed=log_key().seed,
    )
    refused = add(base, 5, [], forked)
    assert (refused.status_code, refused.text) == (409, "5\n")
    bigger = sign_note(
        checkpoint_body(settings.LOG_ORIGIN, 6, b"\x07" * 32),
        name=settings.LOG_ORIGIN,
        private_seed=log_key().seed,
    )
    assert add(base, 5, proof, bigger).status_code == 422
    assert add(base, 5, [], second).status_code == 200  # the real tree again: still fine

    other = second.replace(settings.LOG_ORIGIN, "other.example/log", 1)
    assert add(base, 5, [], other).status_code == 404
    unsigned = second.split("\n\n")[0] + "\n\n\u2014 registry.local/log AAAA\n"
    assert add(base, 5, [], unsigned).status_code == 403
    assert add(base, 9, [], second).status_code == 400
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 4


def test_checkpoints_carry_cosignatures_and_the_verifier_can_require_one(
    witness: tuple[str, str],
    client: Any,
    api: Any,
    settings: Any,
    tmp_path: Path,
    seed_documents: dict[str, Any],
) -> None:
    from passports.witnessing import checkpoint_push

    base, vkey = witness
    settings.LOG_WITNESSES = [(base, vkey)]
    assert checkpoint_push() == 1
    assert checkpoint_push() == 1  # held already: nothing sent again
    cosigner = parse_cosigner_vkey(vkey)
    assert cosigned_by(client.get("/log/checkpoint").content.decode(), [cosigner]) == [
        "witness.local/w1"
    ]

    jwks = tmp_path / "jwks.json"
    jwks.write_text(api.get("/.well-known/jwks.json").content.decode())
    log = api.get("/api/v1/log").json()["verifierKey"]

    def verify(bundle: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(bundle))
        command = [
            sys.executable, "-m", "passports.verify", str(path),
            "--jwks", str(jwks), "--log-key", log, "--witness", vkey,
        ]  # fmt: skip
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    scout = "meta-llama-llama-4-scout"
    assert verify(api.get(f"/api/v1/passport/{scout}/bundle").json()).returncode == 0

    # A new tree the witness has not seen yet: a bundle against it lacks the cosignature.
    changed = copy.deepcopy(seed_documents["liquid-lfm-2-24b-a2b"])
    changed["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed."
    assert passport_import(document=changed).status == "updated"
    fresh = verify(api.get(f"/api/v1/passport/{scout}/bundle").json())
    assert (fresh.returncode, fresh.stdout) == (
        1,
        "invalid at witness: no cosignature by a given witness on the checkpoint\n",
    )
    assert checkpoint_push() == 1  # from the size it cosigned, with a consistency proof
    assert verify(api.get(f"/api/v1/passport/{scout}/bundle").json()).returncode == 0
