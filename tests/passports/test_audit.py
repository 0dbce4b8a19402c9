"""log_audit and passports.audit: what a rewritten or incomplete log looks like."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from django.core.management import call_command

from passports.audit import audit_log
from passports.merkle import leaf_hash, root_hash
from passports.models import LogEntry
from passports.note import Checkpoint
from registry.services import passport_import

pytestmark = pytest.mark.django_db


def _entries() -> list[bytes]:
    return [e.encode() for e in LogEntry.objects.order_by("index").values_list("entry", flat=True)]


def _passport(slug: str, version: int) -> bytes:
    return rfc8785.dumps(
        {
            "type": "passport",
            "slug": slug,
            "version": version,
            "digest": "sha256:" + "0" * 64,
            "keyId": "k",
            "signedAt": "2026-12-01T00:00:00.000Z",
        }
    )


def test_audit_finds_nothing_wrong_in_a_sound_log() -> None:
    entries = [_passport("a", 1), _passport("b", 1), _passport("a", 2)]
    leaves = [leaf_hash(e) for e in entries]
    report = audit_log(
        entries=entries,
        stored_leaf_hashes=leaves,
        saved=Checkpoint(origin="o", size=2, root_hash=root_hash(leaves[:2])),
        latest={"a": (2, "sha256:" + "0" * 64), "b": (1, "sha256:" + "0" * 64)},
    )
    assert (report.findings, report.size, report.root) == ([], 3, root_hash(leaves))


def test_audit_names_each_problem() -> None:
    entries = [_passport("a", 2), _passport("a", 1), _passport("a", 1), b'{"type":"x"}']
    leaves = [leaf_hash(e) for e in entries]
    stored = [*leaves[:3], b"\0" * 32]
    report = audit_log(
        entries=entries,
        stored_leaf_hashes=stored,
        saved=Checkpoint(origin="o", size=2, root_hash=b"\1" * 32),
        latest={"a": (2, "sha256:" + "1" * 64), "c": (1, "sha256:")},
    )
    assert report.findings == [
        "entry 3: stored leaf hash is not SHA-256(0x00 || entry)",
        "entry 1: a goes back to version 1 after version 2",
        "entry 2: a repeats version 1",
        "entry 3: unknown type 'x'",
        "the first 2 entries do not give the saved checkpoint's root: the log was rewritten",
        "a version 2 is served with another digest than logged",
        "c version 1 is served but not in the log",
    ]
    assert audit_log(entries=entries[:1], saved=Checkpoint("o", 5, b"\1" * 32)).findings == [
        "saved checkpoint has 5 entries; the log has only 1"
    ]


def test_log_audit_command_against_a_saved_checkpoint(
    seeds: list[str], client: Any, tmp_path: Path, seed_documents: dict[str, Any]
) -> None:
    saved = tmp_path / "checkpoint.txt"
    saved.write_bytes(client.get("/log/checkpoint").content)
    changed = copy.deepcopy(seed_documents["liquid-lfm-2-24b-a2b"])
    changed["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed."
    assert passport_import(document=changed).status == "updated"
    out = StringIO()
    call_command("log_audit", "--from-checkpoint", str(saved), stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("5 entries, root ")
    assert lines[0].endswith(", 3 passports; 0 findings; consistent with the saved checkpoint of 4")

    # Someone rewrites entry 1 in the database (the model refuses; SQL does not).
    first = json.loads(_entries()[1])
    LogEntry.objects.filter(index=1).update(entry=rfc8785.dumps(dict(first, version=7)).decode())
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("log_audit", "--from-checkpoint", str(saved), stdout=out)
    assert exited.value.code == 1
    assert out.getvalue().splitlines()[:-1] == [
        "entry 1: stored leaf hash is not SHA-256(0x00 || entry)",
        "entry 4: liquid-lfm-2-24b-a2b goes back to version 2 after version 7",
        "the first 4 entries do not give the saved checkpoint's root: the log was rewritten",
    ]
