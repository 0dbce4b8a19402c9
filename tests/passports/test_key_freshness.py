"""A verification uses the keys as they are at that moment: published_keys keeps a
process-local memo of the key rows, and every call reads the rows, so a key revoked,
retired or added anywhere (another process, a bare UPDATE, an admin edit) counts from
the very next verification, with no invalidation for any writer to remember."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from passports.models import SigningKey
from passports.services import published_keys
from registry.services import passport_import
from tests.conftest import served

REPO = Path(__file__).resolve().parents[2]
SLUG = "meta-llama-llama-4-scout"


def verdict(api: Any, document: Any) -> tuple[bool, str | None]:
    response = api.post("/api/v1/verify", document, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    return answer["valid"], answer["reason"]


@pytest.mark.django_db
def test_a_key_revoked_by_a_bare_update_counts_at_the_next_verification(
    seeds: list[str], api: Any
) -> None:
    document = served(api, SLUG)
    key_id = document["passport"]["keyId"]
    assert verdict(api, document) == (True, None)  # the memo now holds the active key
    # No service, no signal: what another process or an SQL console does.
    assert SigningKey.objects.filter(key_id=key_id).update(status="revoked") == 1
    assert verdict(api, document) == (False, "key revoked")
    assert published_keys()[key_id].status == "revoked"
    assert SigningKey.objects.filter(key_id=key_id).update(status="active") == 1
    assert verdict(api, document) == (True, None)


@pytest.mark.django_db
def test_a_rotated_key_verifies_its_first_version_at_once(
    seeds: list[str], api: Any, seed_documents: dict[str, Any]
) -> None:
    old = served(api, SLUG)
    assert verdict(api, old) == (True, None)
    call_command("passport_keys", "rotate")
    doc = copy.deepcopy(seed_documents[SLUG])
    doc["passport"]["unfragile"]["artifact"]["name"] = "Scout (rotated)"
    assert passport_import(document=doc).status == "updated"
    new = served(api, SLUG)
    assert new["passport"]["keyId"] != old["passport"]["keyId"]
    assert verdict(api, new) == (True, None)  # a key the memo had not seen
    assert verdict(api, old) == (True, None)  # retired: still verifies
    assert {k: v.status for k, v in published_keys().items()} == {
        old["passport"]["keyId"]: "retired",
        new["passport"]["keyId"]: "active",
    }


@pytest.mark.django_db
def test_published_keys_hands_out_copies(seeds: list[str]) -> None:
    keys = published_keys()
    keys.clear()
    assert list(published_keys()) == [SigningKey.objects.get().key_id]


def _database_url() -> str:
    """The test database, for another process: SQLite's is a file (tests/conftest.py)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{user}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_key_revoked_by_another_process_counts_at_the_next_verification(
    seeds: list[str], api: Any
) -> None:
    """Two processes: this one verifies (its memo warm), `manage.py passport_keys revoke`
    revokes in its own process, and this one's next verification says so."""
    document = served(api, SLUG)
    key_id = document["passport"]["keyId"]
    assert verdict(api, document) == (True, None)
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "passport_keys", "revoke", "--", key_id],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{key_id} revoked" in result.stdout.splitlines()
    assert verdict(api, document) == (False, "key revoked")
