"""Bundles checked by the offline verifier, with no network: signature, entry, checkpoint, inclusion."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from rest_framework.test import APIClient

from passports.note import checkpoint_body, parse_checkpoint, sign_note, verify_note
from registry.services import passport_import
from tests.conftest import REPO

pytestmark = pytest.mark.django_db
SLUG = "meta-llama-llama-4-scout"


def verify(tmp_path: Path, bundle: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    return subprocess.run(
        [sys.executable, "-m", "passports.verify", str(path), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def fetched(seeds: list[str], api: APIClient, tmp_path: Path) -> tuple[dict[str, Any], list[str]]:
    """A bundle of SLUG, and the verifier's arguments: the JWKS file and the log's key."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text(api.get("/.well-known/jwks.json").content.decode())
    log_key = api.get("/api/v1/log").json()["verifierKey"]
    response = api.get(f"/api/v1/passport/{SLUG}/bundle")
    assert response.status_code == 200, response.content
    return response.json(), ["--jwks", str(jwks), "--log-key", log_key]


def test_a_bundle_verifies_offline(
    fetched: tuple[dict[str, Any], list[str]], tmp_path: Path
) -> None:
    bundle, args = fetched
    assert list(bundle) == ["document", "logEntry", "logIndex", "inclusion", "checkpoint"]
    assert bundle["logIndex"] == 3
    done = verify(tmp_path, bundle, *args)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"valid: {SLUG} version 1, logged at index 3 of a tree of 4 signed by the log\n",
        "",
    )


def test_a_tampered_proof_fails_at_inclusion(
    fetched: tuple[dict[str, Any], list[str]], tmp_path: Path
) -> None:
    bundle, args = fetched
    tampered = copy.deepcopy(bundle)
    first = bytearray(base64.b64decode(tampered["inclusion"][0]))
    first[0] ^= 1
    tampered["inclusion"][0] = base64.b64encode(bytes(first)).decode()
    done = verify(tmp_path, tampered, *args)
    assert (done.returncode, done.stdout.split(":")[0]) == (1, "invalid at inclusion")


def test_a_checkpoint_signed_by_another_key_fails_at_checkpoint(
    fetched: tuple[dict[str, Any], list[str]], tmp_path: Path
) -> None:
    bundle, args = fetched
    log_key = args[-1]
    checkpoint = parse_checkpoint(verify_note(bundle["checkpoint"], [log_key]).text)
    forged = copy.deepcopy(bundle)
    forged["checkpoint"] = sign_note(
        checkpoint_body(checkpoint.origin, checkpoint.size, checkpoint.root_hash),
        name=checkpoint.origin,
        private_seed=bytes(nacl.signing.SigningKey.generate()),
    )
    done = verify(tmp_path, forged, *args)
    assert (done.returncode, done.stdout.split(":")[0]) == (1, "invalid at checkpoint")


def test_a_document_whose_digest_differs_fails_at_entry(
    fetched: tuple[dict[str, Any], list[str]],
    tmp_path: Path,
    api: APIClient,
    seed_documents: dict[str, Any],
) -> None:
    bundle, args = fetched
    changed = copy.deepcopy(seed_documents[SLUG])
    changed["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed."
    assert passport_import(document=changed).status == "updated"
    # A genuine, signed version 2 presented with version 1's log entry and proof.
    swapped = dict(bundle, document=api.get(f"/api/v1/passport/{SLUG}").json())
    done = verify(tmp_path, swapped, *args)
    assert (done.returncode, done.stdout) == (
        1,
        "invalid at entry: the logged entry is not the one this document gives\n",
    )
    older = api.get(f"/api/v1/passport/{SLUG}/bundle", {"version": 1}).json()
    assert (older["logIndex"], verify(tmp_path, older, *args).returncode) == (3, 0)


def test_usage_errors_exit_2(fetched: tuple[dict[str, Any], list[str]], tmp_path: Path) -> None:
    bundle, args = fetched
    done = verify(tmp_path, bundle, *args[:2])
    assert (done.returncode, done.stderr) == (
        2,
        "error: a bundle needs --log-key VERIFIER_KEY (GET /api/v1/log: verifierKey)\n",
    )
    done = verify(tmp_path, bundle, *args[:2], "--log-key", "not-a-key")
    assert done.returncode == 2
    assert done.stderr.startswith("error: --log-key or --witness: ")
