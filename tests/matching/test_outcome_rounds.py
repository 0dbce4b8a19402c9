"""An outcomes round in two steps: counting (one short transaction) and publishing (one
transaction per passport), so no transaction of the round holds the database for long."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from matching.indexing import current_index, registry_state
from matching.models import OutcomesPending, ResolveLog
from matching.outcomes import outcomes_apply, outcomes_count, outcomes_publish
from passports.models import PassportVersion
from passports.services import SigningUnavailable
from registry.models import Capability, Trust
from tests.conftest import served
from tests.probes.test_worker import Broker, wait_for

LFM = "liquid-lfm-2-24b-a2b"


def _log(caps: list[tuple[str, str]], confidence: float, text: str) -> None:
    ResolveLog.objects.create(
        resolve_id=uuid.uuid4(),
        intent="anything",
        results=[
            {"slug": slug, "capability_id": cap_id, "confidence": confidence, "matched_text": text}
            for cap_id, slug in caps
        ],
    )


def _evidence() -> dict[str, int]:
    """Two resolves: one naming every capability (0.7), one naming LFM's again (0.9).
    Returns each artifact's capability count."""
    caps = list(Capability.objects.order_by("pk").values_list("capability_id", "artifact__slug"))
    _log(caps, 0.7, "first")
    _log([c for c in caps if c[1] == LFM], 0.9, "second")
    counts: dict[str, int] = {}
    for _cap_id, slug in caps:
        counts[slug] = counts.get(slug, 0) + 1
    return counts


def _versions() -> dict[str, int]:
    return {
        slug: PassportVersion.objects.filter(artifact__slug=slug).count()
        for slug in Trust.objects.values_list("artifact__slug", flat=True)
    }


def _assert_published(api: Any, counts: dict[str, int], before: dict[str, int]) -> None:
    """Each passport signed exactly once more, its trust and document showing every match."""
    assert _versions() == {slug: n + 1 for slug, n in before.items()}
    assert not OutcomesPending.objects.exists()
    for slug, caps in counts.items():
        matches = caps * 2 if slug == LFM else caps
        trust = Trust.objects.get(artifact__slug=slug)
        confidence = round((0.7 * caps + 0.9 * caps) / matches, 4) if slug == LFM else 0.7
        assert (trust.matches, trust.avg_confidence) == (matches, confidence)
        assert trust.component_sources["match_graph"] == "measured"
        outcomes = served(api, slug)["passport"]["unfragile"]["trust"]["observed_outcomes"]
        assert (outcomes["matches"], outcomes["avg_confidence"]) == (matches, confidence)
    lfm = Capability.objects.filter(artifact__slug=LFM).order_by("pk").first()
    assert lfm is not None
    assert (lfm.matches, lfm.avg_confidence, lfm.top_intents) == (2, 0.8, ["first", "second"])


@pytest.mark.django_db
def test_counting_signs_nothing_and_publishing_signs_each_passport_once(
    seeds: list[str], api: Any
) -> None:
    counts = _evidence()
    before = _versions()
    assert outcomes_count() == 2
    # Counted into the capabilities, both resolves claimed; trust and documents wait.
    assert not ResolveLog.objects.filter(applied_at__isnull=True).exists()
    assert (
        sum(Capability.objects.values_list("matches", flat=True))
        == sum(counts.values()) + (counts[LFM])
    )
    assert sorted(OutcomesPending.objects.values_list("artifact__slug", flat=True)) == seeds
    assert _versions() == before
    assert list(Trust.objects.values_list("matches", flat=True)) == [0, 0, 0]
    assert outcomes_publish() == 3
    _assert_published(api, counts, before)
    # Nothing left: a second round counts and signs nothing.
    assert (outcomes_apply(), outcomes_publish()) == (0, 0)
    assert _versions() == {slug: n + 1 for slug, n in before.items()}


@pytest.mark.django_db
def test_counting_updates_each_capability_by_its_key_without_a_case_per_batch(
    seeds: list[str],
) -> None:
    """The count writes each capability with an UPDATE of its own row. Django's bulk_update
    builds a CASE with a WHEN per row for each field, in Python, inside the transaction: a
    count of 95 capabilities held SQLite's one write lock 120 ms (14 ms this way), and
    every resolve waiting to log itself waited for it (bench/resolve_stalls.py)."""
    counts = _evidence()
    with CaptureQueriesContext(connection) as queries:
        assert outcomes_count() == 2
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "registry_capability"')
    ]
    assert (len(updates), sum(" CASE " in sql for sql in updates)) == (sum(counts.values()), 0)
    lfm = Capability.objects.filter(artifact__slug=LFM).order_by("pk").first()
    assert lfm is not None
    assert (lfm.matches, lfm.avg_confidence, lfm.top_intents) == (2, 0.8, ["first", "second"])


@pytest.mark.django_db
def test_a_round_that_fails_to_sign_leaves_its_passports_for_the_next(
    seeds: list[str], api: Any, settings: Any, tmp_path: Path
) -> None:
    counts = _evidence()
    before = _versions()
    assert outcomes_count() == 2
    key_file = settings.PASSPORT_SIGNING_KEY_FILE
    settings.PASSPORT_SIGNING_KEY_FILE = tmp_path / "missing.jwk"
    with pytest.raises(SigningUnavailable):
        outcomes_publish()
    assert OutcomesPending.objects.count() == 3
    assert _versions() == before
    settings.PASSPORT_SIGNING_KEY_FILE = key_file
    # Nothing new to count; the pending passports are published, their resolves counted once.
    assert outcomes_apply() == 0
    _assert_published(api, counts, before)


@pytest.mark.django_db
def test_outcomes_move_neither_the_index_state_nor_the_loaded_index(
    seeds: list[str], words: Any
) -> None:
    """Trust numbers are read from the database on every resolve: a round that changes
    only them must not make a web worker load or rebuild its index."""
    index = current_index(embedder=words)
    state = registry_state()
    _evidence()
    assert outcomes_apply() == 2
    assert registry_state() == state
    assert current_index(embedder=words) is index


@pytest.mark.django_db(transaction=True)
def test_two_publishers_sign_each_passport_once(seeds: list[str], api: Any) -> None:
    """Two workers publishing the same round: each passport is taken by one of them. On
    PostgreSQL they run at once; SQLite runs one writer at a time, one after the other."""
    counts = _evidence()
    before = _versions()
    assert outcomes_count() == 2
    signed: list[int | Exception] = []

    def publish(own_thread: bool) -> None:
        try:
            signed.append(outcomes_publish())
        except Exception as exc:  # the assertion below names it
            signed.append(exc)
        finally:
            if own_thread:
                connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=publish, args=(True,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:
        publish(False)
        publish(False)
    assert all(isinstance(s, int) for s in signed), signed
    assert (len(signed), sum(s for s in signed if isinstance(s, int))) == (2, 3)
    _assert_published(api, counts, before)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_applies_a_round(seeds: list[str], api: Any, tmp_path: Path) -> None:
    counts = _evidence()
    before = _versions()
    broker = Broker(tmp_path)
    log = tmp_path / "worker.log"
    with broker.worker(log):
        broker.send("matching.apply_outcomes")
        wait_for(
            lambda: _versions() == {slug: n + 1 for slug, n in before.items()},
            90,
            "one new version of each passport",
            log,
        )
    assert not ResolveLog.objects.filter(applied_at__isnull=True).exists()
    _assert_published(api, counts, before)
