"""The transparency log's writer: every signed version and key event, in order, once."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from passports.log import log_repair
from passports.models import LogEntry, PassportVersion, SigningKey
from registry.models import Artifact
from registry.refresh import artifacts_refresh
from tests.conftest import served
from tests.registry.test_log_api import entry_of

pytestmark = pytest.mark.django_db
SCOUT = "meta-llama-llama-4-scout"


def _entries() -> list[dict[str, Any]]:
    return [json.loads(entry) for entry in LogEntry.objects.values_list("entry", flat=True)]


def test_every_signed_version_and_key_event_is_logged_in_order(seeds: list[str], api: Any) -> None:
    key = SigningKey.objects.get()
    entries = _entries()
    assert [(e["type"], e.get("slug") or e["status"]) for e in entries] == [
        ("key", "active"),
        *[("passport", slug) for slug in sorted(seeds)],
    ]
    assert entries[0] == {
        "type": "key",
        "keyId": key.key_id,
        "status": "active",
        "at": entries[0]["at"],
    }
    assert list(LogEntry.objects.values_list("index", flat=True)) == [0, 1, 2, 3]
    for logged in LogEntry.objects.filter(kind="passport"):
        assert logged.version is not None
        data = entry_of(served(api, logged.version.artifact.slug))
        assert logged.entry.encode("utf-8") == data
        assert logged.leaf_hash == hashlib.sha256(b"\x00" + data).hexdigest()


def test_rotation_and_revocation_are_logged_once(seeds: list[str]) -> None:
    old = SigningKey.objects.get().key_id
    call_command("passport_keys", "rotate", stdout=StringIO())
    new = SigningKey.objects.get(status="active").key_id
    call_command("passport_keys", "revoke", "--", old, stdout=StringIO())
    call_command("passport_keys", "revoke", "--", old, stdout=StringIO())  # again: nothing new
    keys = [(e["keyId"], e["status"]) for e in _entries() if e["type"] == "key"]
    assert keys == [(old, "active"), (old, "retired"), (new, "active"), (old, "revoked")]
    assert list(LogEntry.objects.values_list("index", flat=True)) == list(range(7))


def _signed_without_entry(number: int) -> PassportVersion:
    """A version row as a crash between signing and appending (or code from before the
    log) leaves it: in the database, with no log entry."""
    first = PassportVersion.objects.get(artifact__slug=SCOUT, number=1)
    return PassportVersion.objects.create(
        artifact=first.artifact,
        number=number,
        passport_json=first.passport_json,
        canonical=first.canonical,
        signature=first.signature,
        key=first.key,
        signed_at=first.signed_at,
        content_digest=first.content_digest,
        digest=first.digest,
    )


def test_a_version_signed_without_its_entry_is_logged_at_start_and_by_the_next_append(
    seeds: list[str],
) -> None:
    _signed_without_entry(2)
    assert log_repair() == 1
    assert _entries()[-1]["version"] == 2
    assert log_repair() == 0

    _signed_without_entry(3)
    # The next append (a new version of another passport) appends the missing one first.
    artifact = Artifact.objects.get(slug="liquid-lfm-2-24b-a2b")
    capability = artifact.capabilities.get(position=0)
    capability.description += " Edited."
    capability.save()
    artifacts_refresh(artifact_ids=[artifact.pk])
    tail = [(e["slug"], e["version"]) for e in _entries()[-3:]]
    assert tail == [(SCOUT, 2), (SCOUT, 3), ("liquid-lfm-2-24b-a2b", 2)]
    assert list(LogEntry.objects.values_list("index", flat=True)) == list(range(7))


def test_revoke_resign_makes_every_passport_verify_again_after_a_logged_revocation(
    seeds: list[str], api: Any
) -> None:
    old = SigningKey.objects.get().key_id
    out = StringIO()
    call_command("passport_keys", "revoke", "--resign", "--", old, stdout=out)
    new = SigningKey.objects.get(status="active").key_id
    assert out.getvalue().splitlines() == [
        f"{new} active (the key to re-sign with)",
        f"{old} revoked",
        "3 passports re-signed with the active key",
    ]
    for slug in seeds:
        verdict = api.get("/api/v1/verify", {"slug": slug}).json()
        assert (verdict["valid"], verdict["version"], verdict["keyId"]) == (True, 2, new)
    tail = [(e["type"], e.get("status") or e["version"]) for e in _entries()[4:]]
    assert tail == [
        ("key", "retired"),
        ("key", "active"),
        ("key", "revoked"),
        ("passport", 2),
        ("passport", 2),
        ("passport", 2),
    ]


def test_revoke_without_resign_says_how_many_passports_it_leaves_unverifiable(
    seeds: list[str],
) -> None:
    old = SigningKey.objects.get().key_id
    call_command("passport_keys", "rotate", stdout=StringIO())
    out = StringIO()
    call_command("passport_keys", "revoke", "--", old, stdout=out)
    assert out.getvalue().splitlines() == [
        f"{old} revoked",
        f"3 passports are left unverifiable: their latest version was signed by {old}. "
        f"Re-sign them with `passport_keys revoke --resign -- {old}`",
    ]
    assert PassportVersion.objects.count() == 3
