"""registry.refresh: the one path from evidence to trust to a signed version."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from matching.models import ResolveLog
from matching.outcomes import outcomes_apply
from passports.models import LogEntry, PassportVersion, SigningKey
from probes.models import ProbeRun
from probes.outcomes import probe_outcomes_apply
from registry.models import Artifact, Capability, ProviderEndpoint, Trust
from registry.refresh import artifacts_unsigned, signing_deferred, versions_sign_pending
from registry.services import passport_import
from tests.conftest import SEED_FILES, load_seed

# Every capability write sleeps this long inside PostgreSQL, so the two appliers'
# transactions surely overlap: the matching applier is still writing capabilities
# when the probe applier starts.
SLOW_CAPABILITY_WRITE = """
CREATE OR REPLACE FUNCTION test_slow_capability_write() RETURNS trigger AS $$
BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER test_slow_capability_write BEFORE UPDATE ON registry_capability
FOR EACH ROW EXECUTE FUNCTION test_slow_capability_write();
"""
FAST_AGAIN = """
DROP TRIGGER IF EXISTS test_slow_capability_write ON registry_capability;
DROP FUNCTION IF EXISTS test_slow_capability_write();
"""


def _evidence_for_every_seed(seeds: list[str]) -> None:
    """One resolve naming every capability of every seed, one finished probe run per seed."""
    now = timezone.now()
    caps = list(Capability.objects.order_by("pk").values_list("capability_id", "artifact__slug"))
    ResolveLog.objects.create(
        resolve_id=uuid.uuid4(),
        intent="anything",
        results=[
            {"slug": slug, "capability_id": cap_id, "confidence": 0.7, "matched_text": "text"}
            for cap_id, slug in caps
        ],
    )
    for artifact in Artifact.objects.filter(slug__in=seeds).order_by("pk"):
        endpoint = ProviderEndpoint.objects.create(
            artifact=artifact,
            source="api",
            source_key=f"{artifact.slug}/test",
            provider="test",
            model_name="test",
            base_url="https://provider.invalid/v1",
        )
        ProbeRun.objects.create(
            endpoint=endpoint,
            artifact=artifact,
            kind="chat",
            slot=now - timedelta(hours=1),
            state=ProbeRun.State.DONE,
            status=ProbeRun.Status.PASS,
            latency_ms=120.0,
            started_at=now - timedelta(hours=1),
            finished_at=now - timedelta(hours=1),
        )


@pytest.mark.django_db(transaction=True)
def test_match_and_probe_appliers_over_the_same_artifacts_both_finish(seeds: list[str]) -> None:
    """Both appliers lock artifacts in primary-key order before touching capabilities.

    Before registry.refresh the matching applier locked capabilities first and
    artifacts in no order, the probe applier artifacts first: PostgreSQL found a
    deadlock between them and aborted one. SQLite has no row locks and runs one
    writer at a time, so there the two run one after the other; the outcome
    must be the same either way.
    """
    _evidence_for_every_seed(seeds)
    capability_count = Capability.objects.count()
    results: dict[str, Any] = {}

    def run(name: str, applier: Any, *, own_thread: bool) -> None:
        try:
            results[name] = applier()
        except Exception as exc:  # the assertion below names it
            results[name] = exc
        finally:
            if own_thread:
                connections.close_all()

    if connection.vendor != "postgresql":
        run("matching", outcomes_apply, own_thread=False)
        run("probes", probe_outcomes_apply, own_thread=False)
    else:
        with connection.cursor() as cursor:
            cursor.execute(SLOW_CAPABILITY_WRITE)
        try:
            matching = threading.Thread(
                target=run, args=("matching", outcomes_apply), kwargs={"own_thread": True}
            )
            probes = threading.Thread(
                target=run, args=("probes", probe_outcomes_apply), kwargs={"own_thread": True}
            )
            matching.start()
            # The matching applier is now writing its capabilities, one slow row at a time.
            threading.Event().wait(0.3)
            probes.start()
            matching.join(timeout=120)
            probes.join(timeout=120)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(FAST_AGAIN)
    assert results == {"matching": 1, "probes": 3}
    assert sorted(Trust.objects.values_list("matches", flat=True)) == sorted(
        Capability.objects.filter(artifact__slug=slug).count() for slug in seeds
    )
    assert sum(Capability.objects.values_list("matches", flat=True)) == capability_count
    assert [t.probe_outcomes["probe_runs"] for t in Trust.objects.all()] == [1, 1, 1]
    # One sequencer: the versions both signed took distinct, gapless log indexes.
    logged = list(LogEntry.objects.values_list("index", flat=True))
    assert logged == list(range(PassportVersion.objects.count() + SigningKey.objects.count()))


@pytest.mark.django_db
def test_deferred_signing_signs_each_artifact_once_at_the_end(seeds: list[str]) -> None:
    """A bulk import under signing_deferred() leaves content unsigned until
    versions_sign_pending(), which signs one version per artifact."""
    PassportVersion.objects.all().delete()
    Artifact.objects.update(content_digest="")
    assert len(artifacts_unsigned()) == 3
    with signing_deferred():
        for path in SEED_FILES:
            document = load_seed(path)
            document["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed once."
            passport_import(document=document)
            document["passport"]["unfragile"]["capabilities"][0]["description"] += " And twice."
            passport_import(document=document)
    assert PassportVersion.objects.count() == 0
    assert len(artifacts_unsigned()) == 3
    assert versions_sign_pending() == 3
    assert sorted(PassportVersion.objects.values_list("number", flat=True)) == [1, 1, 1]
    assert artifacts_unsigned() == []
    assert versions_sign_pending() == 0
