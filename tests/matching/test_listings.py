"""What a resolve reads of the models it ranks and shows, kept per process under the list
and ranking clocks (matching.listings): any write to those rows is shown from the next
resolve on, and nothing is kept without a clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from matching import listings
from passports.models import PassportVersion
from passports.services import passport_publish
from registry.clocks import clock_read
from registry.models import (
    Artifact,
    ArtifactFacet,
    Capability,
    ProviderEndpoint,
    RegistryClock,
    Trust,
)

MAVERICK = "meta-llama-llama-4-maverick"
SCOUT = "meta-llama-llama-4-scout"
NEED = "read a bar chart image and explain the trend"
# The ranking clock's triggers are SQLite's only (migration 0009): on PostgreSQL what it
# would keep is read every time.
RANKED = connection.vendor == "sqlite"
# The reads matching.listings keeps: listings' names and shown rows select the slug, the
# others read capabilities, endpoints and signed versions.
KEPT_READS = (
    '"registry_artifact"."slug"',
    '"registry_capability"."success_rate"',
    '"registry_capability"."limitations"',
    'FROM "registry_providerendpoint"',
    'FROM "passports_passportversion"',
)


def endpoint(slug: str, source_key: str, **more: Any) -> ProviderEndpoint:
    """A new offer of the listing `slug` from the provider Acme."""
    return ProviderEndpoint.objects.create(
        artifact=Artifact.objects.get(slug=slug),
        source="openrouter",
        source_key=source_key,
        provider="Acme",
        model_name=source_key.split("/")[-1],
        **more,
    )


def resolved(api: Any, intent: str = NEED) -> list[dict[str, Any]]:
    response = api.post("/api/v1/resolve", {"intent": intent}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["resolved"]


def kept_reads(api: Any) -> tuple[list[dict[str, Any]], int]:
    """(the answer's results, how many of its queries were reads listings keeps)"""
    with CaptureQueriesContext(connection) as captured:
        results = resolved(api)
    sqls = [q["sql"] for q in captured.captured_queries]
    return results, sum(any(read in sql for read in KEPT_READS) for sql in sqls)


@pytest.mark.django_db
def test_a_written_listing_is_shown_as_written_from_the_next_resolve(
    seeds: list[str], model: Any, api: Any
) -> None:
    [before] = resolved(api)
    assert before["artifact"]["name"] == Artifact.objects.get(slug=MAVERICK).name
    kept = listings.kept_now().listings
    assert kept is not None
    pk = Artifact.objects.get(slug=MAVERICK).pk
    assert kept.shown[pk].name == before["artifact"]["name"]

    Artifact.objects.filter(slug=MAVERICK).update(name="Maverick, renamed", family="meta/renamed")
    after = resolved(api)
    # Scout was shown as Maverick's family; now a family of its own, ranked as one.
    assert before["sameFamily"] == [SCOUT]
    assert [(r["artifact"]["slug"], r["artifact"]["family"]) for r in after] == [
        (MAVERICK, "meta/renamed"),
        (SCOUT, "meta/llama"),
    ]
    assert after[0]["artifact"]["name"] == "Maverick, renamed"
    assert after[0]["sameFamily"] == []

    Trust.objects.filter(artifact__slug=MAVERICK).update(score=3)
    assert resolved(api)[0]["trust"]["score"] == 3
    # Kept under the clock the last write set, not under an earlier one.
    latest = listings.kept_now().listings
    assert latest is not None and latest is not kept
    assert latest.names[pk] == (MAVERICK, "meta/renamed")
    assert latest.shown[pk].trust.score == 3


def _capability_of(answer: dict[str, Any]) -> Any:
    return Capability.objects.filter(capability_id=answer["capability"]["id"])


@pytest.mark.django_db
def test_written_capabilities_offers_and_versions_are_shown_from_the_next_resolve(
    seeds: list[str], model: Any, api: Any
) -> None:
    [before], reads = kept_reads(api)
    assert reads == 7  # names, shown rows, facts, offers, capabilities, versions, endpoints
    [again], reads = kept_reads(api)
    # Without the ranking clock: facts, offers, capabilities, versions, endpoints again.
    assert (again["capability"], reads) == (before["capability"], 0 if RANKED else 5)
    assert (before["offer"], before["invocation"], before["rank"]["success"]) == (None, None, -0.0)

    _capability_of(before).update(limitations=["Reads no handwriting"])
    [after], reads = kept_reads(api)
    assert (after["capability"]["limitations"], reads) == (["Reads no handwriting"], 5)

    _capability_of(before).update(success_rate=1.0, feedback_count=10, successes=10)
    [after] = resolved(api)
    assert after["rank"]["success"] == 0.0125

    artifact = Artifact.objects.get(slug=MAVERICK)
    endpoint(MAVERICK, "acme/maverick", base_url="https://api.acme.example/v1")
    [after] = resolved(api)
    assert after["offer"]["id"] == "acme/maverick"
    assert after["invocation"]["endpoint"]["baseUrl"] == "https://api.acme.example/v1"

    signed = PassportVersion.objects.filter(artifact=artifact).order_by("-number").first()
    assert signed is not None and before["lastVerified"] == signed.signed_at
    content = {k: v for k, v in signed.passport().items() if k in ("unfragile", "registry")}
    with transaction.atomic():
        new = passport_publish(artifact=artifact, content=content, content_digest="x", force=True)
    [after] = resolved(api)
    assert after["trust"]["version"] == signed.number + 1 == new.version.number
    assert after["lastVerified"] == new.version.signed_at


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


TABLE_WRITES: dict[str, Callable[[], Any]] = {
    "capability update": lambda: Capability.objects.update(probe_runs=1),
    "endpoint insert": lambda: endpoint(SCOUT, "acme/scout"),
    "facet delete": lambda: ArtifactFacet.objects.filter(kind="input_modality").delete(),
    "raw SQL on versions": lambda: _raw(
        "UPDATE passports_passportversion SET signed_at = signed_at"
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(TABLE_WRITES))
def test_each_ranked_table_moves_the_ranking_clock(seeds: list[str], kind: str) -> None:
    before = clock_read("ranking")
    TABLE_WRITES[kind]()
    if RANKED:
        assert clock_read("ranking") != before
    else:
        assert (before, clock_read("ranking")) == (0, 0)  # no clock row: nothing kept


@pytest.mark.django_db
def test_without_clocks_nothing_is_kept(seeds: list[str], model: Any, api: Any) -> None:
    RegistryClock.objects.filter(name__in=["listings", "ranking"]).delete()
    assert listings.kept_now() == listings.Kept(listings=None, ranking=None)
    for _ in range(2):
        [result], reads = kept_reads(api)
        assert reads == 7  # read every time
    assert result["artifact"]["name"] == Artifact.objects.get(slug=MAVERICK).name


@pytest.mark.django_db
def test_kept_reads_stop_at_the_limit(seeds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pks = sorted(Artifact.objects.values_list("pk", flat=True))
    assert len(pks) == 3
    monkeypatch.setattr(listings.reads, "KEPT_LIMIT", 2)
    monkeypatch.setattr(listings.reads, "RANKED_LIMIT", 2)
    kept = listings.kept_now()
    assert kept.listings is not None and (kept.ranking is not None) is RANKED
    assert sorted(listings.shown_read(pks[:2], kept)) == pks[:2]
    assert sorted(kept.listings.shown) == pks[:2]
    # One more would pass the limit: read, given, not kept.
    assert sorted(listings.shown_read(pks, kept)) == pks
    assert sorted(kept.listings.shown) == pks[:2]
    # A model with no endpoint is kept as having none, not read again.
    assert listings.offers_read(pks[:1], kept) == {pks[0]: ()}
    if kept.ranking is not None:
        assert kept.ranking.offers == {pks[0]: ()}
    names = listings.names_read([*pks, 10**9], kept)  # a key no listing has: left out
    assert sorted(names) == pks
    assert kept.listings.names == names  # names have no limit


@pytest.mark.django_db
def test_what_every_ranked_model_reads_is_kept_past_what_only_the_shown_read(
    seeds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pks = sorted(Artifact.objects.values_list("pk", flat=True))
    monkeypatch.setattr(listings.reads, "KEPT_LIMIT", 2)
    listings.forget()
    kept = listings.kept_now()
    assert kept.listings is not None
    assert sorted(listings.shown_read(pks, kept)) == pks
    assert sorted(kept.listings.shown) == pks  # within RANKED_LIMIT
    assert sorted(listings.signed_read(pks, kept)) == pks
    assert kept.ranking is None or kept.ranking.signed == {}  # three would pass KEPT_LIMIT
    if kept.ranking is not None:
        assert sorted(listings.offers_read(pks, kept)) == sorted(kept.ranking.offers) == pks


@pytest.mark.django_db
def test_a_starting_process_keeps_every_kind_whose_rows_all_fit(
    seeds: list[str], model: Any, api: Any
) -> None:
    pks = sorted(Artifact.objects.values_list("pk", flat=True))
    caps = sorted(Capability.objects.values_list("pk", flat=True))
    assert len(pks) == 3 and len(caps) > 3
    listings.forget()
    shown, lazy_reads = kept_reads(api)  # read as asked for
    assert lazy_reads == 7
    kept = listings.kept_now()
    lazy = {
        "offers": listings.offers_read(pks, kept),
        "signed": listings.signed_read(pks, kept),
        "facts": listings.facts_read(caps, kept),
        "names": listings.names_read(pks, kept),
    }
    listings.forget()
    # Three models fit, their capability texts do not: what the few shown read of them.
    ranked = {"facts": len(caps), "offers": 3} if RANKED else {}
    shown_only = {"signed": 3} if RANKED else {}
    assert listings.prefill(limit=3) == {"names": 3, "shown": 3, **ranked, **shown_only}
    ranking = listings.kept_now().ranking
    if ranking is not None:
        assert ranking.capabilities == {}
        assert sorted(ranking.facts) == caps
        assert sorted(ranking.offers) == sorted(ranking.endpoints) == sorted(ranking.signed) == pks
    listings.forget()
    assert listings.prefill(limit=2, ranked_limit=2) == {"names": 3}
    listings.forget()
    everything = {**ranked, "capabilities": len(caps), **shown_only} if RANKED else {}
    assert listings.prefill() == {"names": 3, "shown": 3, **everything}
    kept = listings.kept_now()
    assert kept.listings is not None and sorted(kept.listings.shown) == pks
    if kept.ranking is not None:
        assert kept.ranking.offers == lazy["offers"]
        assert kept.ranking.signed == lazy["signed"]
        assert kept.ranking.facts == lazy["facts"]
        assert sorted(kept.ranking.capabilities) == caps
        assert sorted(kept.ranking.endpoints) == pks
    assert kept.listings.names == lazy["names"]
    prefilled, reads = kept_reads(api)
    assert reads == (0 if RANKED else 5)  # on PostgreSQL, nothing is kept under "ranking"
    same = ("artifact", "offer", "capability", "invocation", "trust", "lastVerified")
    assert [{k: r[k] for k in same} for r in prefilled] == [{k: r[k] for k in same} for r in shown]


LIQUID = "liquid-lfm-2-24b-a2b"


def _eligible(required: Any) -> tuple[list[str], int]:
    """(the slugs meeting `required`, how many queries deciding them took besides the clocks)"""
    from matching.resolve import _eligible_artifacts

    with CaptureQueriesContext(connection) as captured:
        eligible, impossible = _eligible_artifacts(required)
    assert impossible is None and eligible is not None
    slugs = sorted(Artifact.objects.filter(pk__in=eligible).values_list("slug", flat=True))
    return slugs, sum("registry_registryclock" not in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_eligible_models_are_kept_until_a_facet_an_offer_or_a_listing_is_written(
    seeds: list[str],
) -> None:
    from decimal import Decimal

    from matching.constraints import Required
    from matching.resolve import _eligible_artifacts

    image = Required(input_modalities=["image"])
    assert _eligible(image) == ([MAVERICK, SCOUT], 2)  # is there such a facet; who has it
    assert _eligible(image) == ([MAVERICK, SCOUT], 0 if RANKED else 2)
    ArtifactFacet.objects.create(
        artifact=Artifact.objects.get(slug=LIQUID), kind="input_modality", value="image"
    )
    assert _eligible(image) == ([LIQUID, MAVERICK, SCOUT], 2)

    free = Required(variant="free")
    for _ in range(2):
        assert _eligible_artifacts(free) == ([], "no registered model has a 'free' offer")
    endpoint(SCOUT, "acme/scout:free", variant="free", free=True, prompt_price_per_1m=Decimal(0))
    assert _eligible(free) == ([SCOUT], 2)  # is there such an offer; the offers that fit
    assert _eligible(free) == ([SCOUT], 0 if RANKED else 2)
    # Seeded listings state no price: unknown passes a ceiling, and the same ceiling
    # written another way is the same constraint.
    slugs, queries = _eligible(Required(max_prompt_price=Decimal("0.01")))
    assert slugs == [LIQUID, MAVERICK, SCOUT]
    assert _eligible(Required(max_prompt_price=Decimal("0.010"))) == (
        slugs,
        0 if RANKED else queries,
    )

    open_weights = Required(open_weights=True)
    before = _eligible(open_weights)[0]
    Artifact.objects.filter(slug=MAVERICK).update(open_weights=MAVERICK not in before)
    assert _eligible(open_weights)[0] == sorted(set(before) ^ {MAVERICK})


@pytest.mark.django_db
def test_hidden_listings_are_kept_until_a_listing_is_written(seeds: list[str]) -> None:
    from matching.constraints import Required
    from matching.resolve import _hidden_artifacts

    def hidden(routers: bool) -> tuple[list[int], int]:
        kept = listings.kept_now()
        with CaptureQueriesContext(connection) as captured:
            found = _hidden_artifacts(Required(routers=routers), kept)
        return found, len(captured.captured_queries)

    assert hidden(False) == ([], 1)
    assert hidden(False) == ([], 0)
    Artifact.objects.filter(slug=LIQUID).update(type="router")
    liquid = Artifact.objects.get(slug=LIQUID).pk
    assert hidden(False) == ([liquid], 1)
    assert hidden(False) == ([liquid], 0)
    assert hidden(True) == ([], 1)  # a need that asks for routers hides merged ones only
    assert hidden(True) == ([], 0)
