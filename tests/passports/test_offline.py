"""The offline verifier and the README snippet, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from registry.importers.passports import passports_import_paths
from tests.conftest import REPO, SEED_DIR

SLUG = "meta-llama-llama-4-maverick"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "passports.verify", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        input=None if stdin is None else stdin.decode(),
    )


@pytest.fixture
def server(transactional_db: Any, live_server: Any) -> str:
    passports_import_paths(paths=[str(SEED_DIR)])
    return str(live_server.url)


@pytest.fixture
def files(server: str, tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    import httpx

    document = httpx.get(f"{server}/api/v1/passport/{SLUG}").json()
    doc_file = tmp_path / "doc.json"
    doc_file.write_text(json.dumps(document))
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(httpx.get(f"{server}/.well-known/jwks.json").text)
    return doc_file, jwks_file, document


def test_verifier_needs_no_django() -> None:
    code = "import sys, passports.verify; print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'rest_framework'}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]")


def test_verifier_exit_codes(
    files: tuple[Path, Path, dict[str, Any]], server: str, tmp_path: Path
) -> None:
    doc_file, jwks_file, document = files
    passport = document["passport"]
    valid = run(str(doc_file), "--jwks", str(jwks_file))
    assert (valid.returncode, valid.stdout.strip()) == (
        0,
        f"valid: {SLUG} version 1, signed by {passport['signedBy']} at {passport['signedAt']} with key {passport['keyId']}",
    )
    assert run(str(doc_file), "--jwks", f"{server}/.well-known/jwks.json").returncode == 0
    public = json.loads(Path(jwks_file).read_text())["keys"][0]
    import base64

    key_b64 = base64.b64encode(base64.urlsafe_b64decode(public["x"] + "=")).decode()
    assert run(str(doc_file), "--key", key_b64).returncode == 0
    assert run("-", "--key", key_b64, stdin=doc_file.read_bytes()).returncode == 0

    tampered = doc_file.read_text().replace('"matches": 0', '"matches": 1', 1)
    assert tampered != doc_file.read_text()
    bad = tmp_path / "tampered.json"
    bad.write_text(tampered)
    invalid = run(str(bad), "--jwks", str(jwks_file))
    assert (invalid.returncode, invalid.stdout.strip()) == (
        1,
        "invalid: signature does not match the document",
    )

    usage = run(str(doc_file))
    assert (usage.returncode, usage.stderr.strip()) == (
        2,
        "error: no key: give --jwks FILE_OR_URL or --key BASE64",
    )
    missing = run(str(tmp_path / "nope.json"), "--key", key_b64)
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        f"error: cannot read {tmp_path / 'nope.json'}: No such file or directory",
    )
    assert run(str(doc_file), "--key", "short").returncode == 2
    assert run("--bogus-flag").returncode == 2
    not_doc = tmp_path / "not.json"
    not_doc.write_text("[1, 2]")
    result = run(str(not_doc), "--key", key_b64)
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: a document must be a JSON object",
    )


def test_readme_snippet_prints_valid(server: str) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Verify a passport yourself", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert snippet is not None
    code = snippet.group(1)
    assert len([line for line in code.splitlines() if line.strip()]) == 12
    code = code.replace('base = "http://127.0.0.1:8000"', f'base = "{server}"')
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (
        0,
        f"valid: {SLUG} version 1",
        "",
    )
