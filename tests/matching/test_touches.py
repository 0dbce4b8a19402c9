"""Which models were written, and how (migration 0011, SQLite): after a write, a process
forgets only what that write changes of the models written (matching.listings), and brings
the sets of models meeting a need's constraints up to date by deciding the written ones.
On PostgreSQL there is no such record, and what is kept goes as before (whole)."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from matching import listings
from matching.constraints import Required
from matching.resolve import _eligible_artifacts
from passports.models import PassportVersion
from registry.clocks import touched_since
from registry.models import (
    Artifact,
    ArtifactFacet,
    ArtifactTouch,
    Capability,
    ProviderEndpoint,
    RegistryClock,
    Trust,
)
from registry.refresh import artifacts_refresh

MIGRATION = importlib.import_module("registry.migrations.0011_artifact_touch")
TOUCHED = connection.vendor == "sqlite"  # the triggers are SQLite's only
LIQUID = "liquid-lfm-2-24b-a2b"
MAVERICK = "meta-llama-llama-4-maverick"
SCOUT = "meta-llama-llama-4-scout"
Kind = ArtifactTouch.Kind


def _last() -> dict[tuple[int, int], int]:
    return {(t.artifact_id, t.kind): t.seq for t in ArtifactTouch.objects.all()}


def _written(before: dict[tuple[int, int], int]) -> set[tuple[str, int]]:
    """(slug, kind) of each write recorded since `before`."""
    slugs = dict(Artifact.objects.values_list("pk", "slug"))
    return {
        (slugs.get(pk, str(pk)), kind)
        for (pk, kind), seq in _last().items()
        if before.get((pk, kind), -1) < seq
    }


@pytest.mark.django_db
def test_each_write_a_resolve_reads_records_its_model_and_kind(seeds: list[str]) -> None:
    maverick = Artifact.objects.get(slug=MAVERICK)
    writes: list[tuple[Any, set[tuple[str, int]]]] = [
        (lambda: Artifact.objects.filter(slug=SCOUT).update(name="Scout"), {(SCOUT, Kind.LISTING)}),
        (lambda: Trust.objects.filter(artifact=maverick).update(score=5), {(MAVERICK, Kind.TRUST)}),
        (
            lambda: Capability.objects.filter(artifact=maverick).update(limitations=["none"]),
            {(MAVERICK, Kind.CAPABILITY)},
        ),
        (
            lambda: ProviderEndpoint.objects.create(
                artifact=maverick, source="openrouter", source_key="acme/m", provider="Acme"
            ),
            {(MAVERICK, Kind.OFFER)},
        ),
        (
            lambda: ProviderEndpoint.objects.filter(source_key="acme/m").delete(),
            {(MAVERICK, Kind.OFFER)},
        ),
        (
            lambda: ArtifactFacet.objects.create(
                artifact=maverick, kind="output_modality", value="audio"
            ),
            {(MAVERICK, Kind.FACET)},
        ),
        (
            lambda: artifacts_refresh(artifact_ids=[maverick.pk], resign=True),
            {(MAVERICK, Kind.SIGNED)},
        ),
        # What no resolve reads: a round's counts, a content digest, trust's match counts.
        (lambda: Capability.objects.update(matches=F("matches") + 1, top_intents=["x"]), set()),
        (lambda: Artifact.objects.update(content_digest="changed"), set()),
        (lambda: Trust.objects.update(matches=7, top_intents=["x"]), set()),
    ]
    for write, expected in writes:
        before = _last()
        write()
        assert _written(before) == (expected if TOUCHED else set())
    # A capability moved to another model writes both.
    before = _last()
    moved = Capability.objects.filter(artifact=maverick).order_by("pk").values("pk")[:1]
    Capability.objects.filter(pk__in=moved).update(
        artifact=Artifact.objects.get(slug=LIQUID), position=F("position") + 1000
    )
    assert _written(before) == (
        {(MAVERICK, Kind.CAPABILITY), (LIQUID, Kind.CAPABILITY)} if TOUCHED else set()
    )


@pytest.mark.django_db
def test_the_triggers_name_every_column_a_resolve_may_read(db: Any) -> None:
    """A column added to one of these tables later is in no trigger until a migration runs
    triggers_create again: this fails until it does."""
    if not TOUCHED:
        assert not ArtifactTouch.objects.exists()
        return
    trust_fields = {f.split("__")[1] for f in listings.SHOWN_FIELDS if f.startswith("trust__")}
    assert trust_fields <= set(MIGRATION.TRUST_READ)
    with connection.cursor() as cursor:
        for table, _column, _kind, ignored in MIGRATION.TABLES:
            cursor.execute(f"PRAGMA table_info({table})")
            columns = {row[1] for row in cursor.fetchall()}
            expected = set(MIGRATION.TRUST_READ) if ignored is None else columns - ignored
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [f"{table}_touch_update"],
            )
            [(sql,)] = cursor.fetchall()
            named = {c for c in columns if f"OLD.{c} IS NOT NEW.{c}" in sql}
            assert named == expected, table


def _fill(kept: listings.Kept, pks: list[int]) -> None:
    """Read every kind listings keeps, for these models."""
    listings.names_read(pks, kept)
    listings.shown_read(pks, kept)
    listings.offers_read(pks, kept)
    listings.endpoints_read(pks, kept)
    listings.signed_read(pks, kept)
    caps = list(Capability.objects.filter(artifact_id__in=pks).values_list("pk", flat=True))
    listings.facts_read(caps, kept)
    listings.capabilities_read(caps, kept)


@pytest.mark.django_db(transaction=True)
def test_a_write_forgets_what_it_changes_of_the_models_it_wrote_only(seeds: list[str]) -> None:
    listings.forget()
    pks = dict(Artifact.objects.values_list("slug", "pk"))
    everyone = sorted(pks.values())
    kept = listings.kept_now()
    _fill(kept, everyone)
    if kept.ranking is None:  # PostgreSQL: no ranking clock, and no record of writes
        assert not TOUCHED and kept.seq is None
        Artifact.objects.filter(slug=SCOUT).update(name="Scout")
        assert listings.kept_now().listings.names == {}  # type: ignore[union-attr]
        return
    maverick = pks[MAVERICK]
    old = listings.signed_read([maverick], kept)[maverick]
    assert old is not None

    # A round: counts (nothing read), then a new signed version of one model.
    Capability.objects.filter(artifact_id=maverick).update(matches=F("matches") + 3)
    artifacts_refresh(artifact_ids=[maverick], resign=True)
    now = listings.kept_now()
    assert now.seq is not None and kept.seq is not None and now.seq > kept.seq
    assert now.listings is not None and now.ranking is not None
    assert sorted(now.ranking.signed) == sorted(set(everyone) - {maverick})
    # Nothing else was written: the same stores, not copies.
    assert now.listings.names is kept.listings.names  # type: ignore[union-attr]
    assert now.ranking.facts is kept.ranking.facts
    assert now.ranking.offers is kept.ranking.offers
    new = listings.signed_read([maverick], now)[maverick]
    assert new is not None
    assert new[0]["version"] == old[0]["version"] + 1
    assert new[0]["version"] == PassportVersion.objects.filter(artifact_id=maverick).count()

    # A listing renamed and a capability's limits: those models' names and rows only.
    Artifact.objects.filter(pk=pks[SCOUT]).update(name="Scout, renamed")
    Capability.objects.filter(artifact_id=pks[LIQUID]).update(limitations=["no tools"])
    later = listings.kept_now()
    assert later.listings is not None and later.ranking is not None
    assert sorted(later.listings.names) == sorted(set(everyone) - {pks[SCOUT]})
    assert sorted(later.listings.shown) == sorted(set(everyone) - {pks[SCOUT]})
    assert listings.shown_read([pks[SCOUT]], later)[pks[SCOUT]].name == "Scout, renamed"
    liquid_caps = set(
        Capability.objects.filter(artifact_id=pks[LIQUID]).values_list("pk", flat=True)
    )
    assert liquid_caps and not liquid_caps & set(later.ranking.capabilities)
    assert set(later.ranking.facts) == set(now.ranking.facts) - liquid_caps
    assert sorted(later.ranking.signed) == everyone  # signed_read filled maverick again
    read = listings.capabilities_read(sorted(liquid_caps), later)
    assert {c.limitations[0] for c in read.values()} == {"no tools"}


def _eligible(required: Required) -> tuple[list[str], list[str]]:
    """(the slugs meeting `required`, the queries deciding them took besides the clocks')"""
    with CaptureQueriesContext(connection) as captured:
        eligible, impossible = _eligible_artifacts(required)
    assert impossible is None and eligible is not None
    slugs = sorted(Artifact.objects.filter(pk__in=eligible).values_list("slug", flat=True))
    queries = [
        q["sql"]
        for q in captured.captured_queries
        if "registry_registryclock" not in q["sql"] and "registry_artifacttouch" not in q["sql"]
    ]
    return slugs, queries


@pytest.mark.django_db(transaction=True)
def test_kept_eligible_sets_decide_the_written_models_only(seeds: list[str]) -> None:
    listings.forget()
    pks = dict(Artifact.objects.values_list("slug", "pk"))
    image = Required(input_modalities=["image"])
    cheap = Required(max_prompt_price=Decimal("0.50"))
    assert _eligible(image)[0] == [MAVERICK, SCOUT]
    assert _eligible(cheap)[0] == [LIQUID, MAVERICK, SCOUT]  # no price stated: unknown passes
    assert _eligible(image) == ([MAVERICK, SCOUT], [] if TOUCHED else _eligible(image)[1])

    ArtifactFacet.objects.create(artifact_id=pks[LIQUID], kind="input_modality", value="image")
    slugs, queries = _eligible(image)
    assert slugs == [LIQUID, MAVERICK, SCOUT]
    if TOUCHED:  # is there such a facet; which of the written models has it
        assert len(queries) == 2 and f"IN ({pks[LIQUID]})" in queries[1]
    Artifact.objects.filter(pk=pks[SCOUT]).update(prompt_price_per_1m=Decimal("2.5"))
    assert _eligible(cheap)[0] == [LIQUID, MAVERICK]
    assert _eligible(image)[0] == [LIQUID, MAVERICK, SCOUT]  # a price: still takes images
    ArtifactFacet.objects.filter(artifact_id=pks[MAVERICK], value="image").delete()
    assert _eligible(image)[0] == [LIQUID, SCOUT]
    # None left: decided again in full, for the reason.
    ArtifactFacet.objects.filter(value="image").delete()
    assert _eligible_artifacts(image) == ([], "no registered model accepts image input")


@pytest.mark.django_db(transaction=True)
def test_another_epoch_or_a_transaction_keeps_nothing_from_before(seeds: list[str]) -> None:
    listings.forget()
    everyone = sorted(Artifact.objects.values_list("pk", flat=True))
    kept = listings.kept_now()
    _fill(kept, everyone)
    if not TOUCHED:
        assert kept.seq is None
        return
    # The clock's row made again (a flush): another epoch, and nothing kept goes on.
    RegistryClock.objects.filter(name="touches").delete()
    Artifact.objects.filter(slug=SCOUT).update(name="Scout")
    fresh = listings.kept_now()
    assert fresh.seq is not None and kept.seq is not None
    assert fresh.seq >> listings.EPOCH_BITS != kept.seq >> listings.EPOCH_BITS
    assert fresh.listings is not None and fresh.listings.names == {}
    _fill(fresh, everyone)
    # Inside a transaction a position may be rolled back: what is kept there starts empty,
    # and is not carried on after it.
    with transaction.atomic():
        Artifact.objects.filter(slug=SCOUT).update(name="Scout, again")
        inside = listings.kept_now()
        assert inside.seq is None and inside.listings is not None
        assert inside.listings.names == {}
        _fill(inside, everyone)
        transaction.set_rollback(True)
    after = listings.kept_now()
    assert after.seq is not None and after.listings is not None
    assert after.listings.names == {}
    assert listings.names_read(everyone, after)[Artifact.objects.get(slug=SCOUT).pk] == (
        SCOUT,
        Artifact.objects.get(slug=SCOUT).family or SCOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_writes_recorded_in_another_epoch_are_not_written_since_a_position(
    seeds: list[str],
) -> None:
    """A flush deletes the clock's row before the rows whose delete triggers make it again
    (another epoch) and record the deleted models: such rows, of an epoch drawn larger, were
    taken for writes since any position of the new one (1 run in 7 of this file)."""
    if not TOUCHED:
        assert not ArtifactTouch.objects.exists()
        return
    position = listings.kept_now().seq
    assert position is not None
    epoch = position >> listings.EPOCH_BITS
    liquid = Artifact.objects.get(slug=LIQUID).pk
    gone = max(Artifact.objects.values_list("pk", flat=True)) + 1  # a model flushed away
    later = ((epoch + 1) << listings.EPOCH_BITS) + 5
    ArtifactTouch.objects.create(artifact_id=gone, kind=Kind.LISTING, seq=later)
    assert ArtifactTouch.objects.filter(seq__gt=position, artifact_id=gone).count() == 1
    ArtifactFacet.objects.create(artifact_id=liquid, kind="input_modality", value="image")
    assert touched_since(position) == [(liquid, Kind.FACET)]
