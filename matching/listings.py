"""What a resolve reads of the models it ranks and shows, kept per process under two clocks
that the database itself moves: the listings' names (slug, family key), which
shortlist._rank orders the models its search reaches by, and the columns an answer shows and
ties are broken by (shortlist._order_bands), under the list clock; their capabilities'
outcome counts and shown texts, their offers and endpoints, and their latest signed
versions, under the ranking clock. Read per resolve they were most of what a resolve does
besides encoding its query: at 10,000 capabilities about 1 ms a names read (one to four a
resolve), 1.4 ms the shown rows, and 0.5 to 0.7 ms each of six more reads, for rows that
change a few times a day.

- The list clock, RegistryClock "listings", moves on every write to registry_artifact and
  registry_trust (migration 0008); the ranking clock, "ranking", on every write to
  registry_capability, registry_providerendpoint, registry_artifactfacet and
  passports_passportversion (migration 0009, SQLite only: on PostgreSQL that clock's lock
  deadlocked concurrent rounds, and until it has a lock-free one nothing is kept under it
  there). Triggers move them, each time to a fresh random value (0008 says why), so what
  is kept under a clock value was read from exactly the rows written before it.
- A resolve reads both clocks in one query (kept_now); what it reads from the database is
  added under their values. Only the latest values' are kept. On PostgreSQL, and inside a
  transaction, a write drops what its clock keeps, and the next resolves read again what
  they rank.
- On SQLite, outside transactions, a write drops only what it changes (migration 0011):
  the database records each model written, with the kind of row (listing, trust,
  capability, offer, facet, signed version) and its position in the order of writes
  (RegistryClock "touches"), leaving out updates of columns no resolve reads (a round's
  match counts, a content digest). When a clock has moved, kept_now reads the models
  written since the position it kept at and forgets those models' entries of the kinds
  written; a kept set of models meeting a need's constraints is brought up to date by
  deciding the written models only (eligible_read). A background outcomes round counts a
  few resolves and signs those models' passports: the next resolve reads their new
  versions (and trust rows), not everything it ranks (bench/resolve_stalls.py).
- Without a clock row (a flush just ran) or on a database without the triggers, nothing is
  kept under that clock and every read goes to the database, as before.
- What is kept is shared by every resolve of the process and only read, never changed
  (answer.results_build formats it): tuples, frozen offers, and model instances nobody
  assigns to. A passport kept is the parsed document each answer spreads into its own dict.
- Each kind keeps at most KEPT_LIMIT entries; past that, the rest are read per resolve.
  Names are the exception: a web process keeps them all as it starts (names_prefill).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.db import connection

from passports.selectors import latest_versions
from registry.clocks import clocks_read, touched_since
from registry.list_page import CLOCKED_VENDORS, LIST_CLOCK
from registry.models import (
    Artifact,
    ArtifactTouch,
    Capability,
    ProviderEndpoint,
)

from .offers import ENDPOINT_FIELDS, Offer

Kind = ArtifactTouch.Kind

RANKING_CLOCK = "ranking"  # moved by the triggers of migration 0009 (SQLite only)
TOUCH_CLOCK = "touches"  # the order of writes, by the triggers of migration 0011 (SQLite only)
EPOCH_BITS = 32  # the touches clock's upper bits: an epoch drawn when its row is made
KEPT_LIMIT = 10_000
ELIGIBLE_KEPT = 256  # sets of models meeting a need's constraints (eligible_read)
# More models written at once than this (an import): forget everything, read it all again.
TOUCHED_LIMIT = 2_000
TOUCHED_KEPT = 64  # steps of models written, for kept eligible sets to catch up by
# What an answer shows of a model and ranks it by (shortlist._tie_facts): not the full rows,
# whose JSON columns (pricing, distribution, extra, supported parameters, ...) cost a decode
# each, and no answer shows them.
SHOWN_FIELDS = (
    "slug",
    "release_date",
    "prompt_price_per_1m",
    "context_length",
    "trust__score",
    "trust__probe_outcomes",
    "artifact_id",
    "name",
    "type",
    "family",
    "url",
    "verified",
    "completion_price_per_1m",
)
# And of a capability: what results_build writes (a capability's limitations included).
SHOWN_CAPABILITY_FIELDS = (
    "artifact_id",
    "capability_id",
    "name",
    "description",
    "intents",
    "best_for",
    "limitations",
)
# success_rate, feedback_count, successes, probe_runs, probe_passes of a capability
Facts = tuple[float, int, int, int, int]
# A model's latest signed version: its passport (the served object) and when it was signed
Signed = tuple[dict[str, Any], str]

V = TypeVar("V")


@dataclass
class Listings:
    """Kept under the list clock."""

    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # (slug, family key)
    shown: dict[int, Artifact] = field(default_factory=dict)  # SHOWN_FIELDS and trust
    # By whether the need asks for routers: the listings a resolve does not return unasked
    # (resolve._hidden_artifacts).
    hidden: dict[bool, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Eligible:
    """The models meeting one set of hard constraints (None: every listed one but routers),
    or why none can, as of touches position `seq` (None: not a position to update from)."""

    models: tuple[int, ...] | None
    impossible: str | None
    seq: int | None


@dataclass(frozen=True)
class Touched:
    """The models whose listing, offers or facets were written up to a touches position
    (since the step before)."""

    upto: int
    models: frozenset[int]


@dataclass
class Ranking:
    """Kept under the ranking clock."""

    facts: dict[int, Facts] = field(default_factory=dict)  # by capability
    capabilities: dict[int, Capability] = field(default_factory=dict)  # SHOWN_CAPABILITY_FIELDS
    model_of: dict[int, int] = field(default_factory=dict)  # capability -> its model
    offers: dict[int, tuple[Offer, ...]] = field(default_factory=dict)  # by model
    endpoints: dict[int, tuple[ProviderEndpoint, ...]] = field(default_factory=dict)
    signed: dict[int, Signed | None] = field(default_factory=dict)  # by model; None: unsigned
    # By a need's hard constraints (resolve._eligible_artifacts); brought up to date from
    # `touched` when read (eligible_read).
    eligible: dict[tuple[Any, ...], Eligible] = field(default_factory=dict)
    touched: tuple[Touched, ...] = ()  # the latest TOUCHED_KEPT steps, oldest first
    since: int | None = None  # `touched` holds every such write after this position


@dataclass(frozen=True)
class Kept:
    listings: Listings | None  # None: nothing kept under the list clock
    ranking: Ranking | None
    list_clock: int | None = None
    # The touches position everything kept is as recent as (None: inside a transaction, or
    # a database without the touches clock).
    seq: int | None = None


@dataclass(frozen=True)
class _Held:
    """What this process keeps, and of which state of which database."""

    database: tuple[str, str]  # (alias, name)
    clocks: tuple[int | None, int | None]  # the list and ranking clocks' values
    seq: int | None
    listings: Listings | None
    ranking: Ranking | None


_lock = threading.Lock()
_held: _Held | None = None
NOTHING = Kept(listings=None, ranking=None)


def kept_now() -> Kept:
    """What is kept of the registry as it is now (the clocks read in one query), for the
    readers below to use and fill.

    When a clock has moved since, what is kept goes, except where the touches position
    tells which models were written (SQLite, outside transactions: migration 0011): then
    only those models' rows are forgotten, unless more than TOUCHED_LIMIT were."""
    global _held
    if connection.vendor not in CLOCKED_VENDORS:
        return NOTHING
    clocks = clocks_read(LIST_CLOCK, RANKING_CLOCK, TOUCH_CLOCK)
    database = (connection.alias, str(connection.settings_dict["NAME"]))
    now = (clocks.get(LIST_CLOCK), clocks.get(RANKING_CLOCK))
    # A position read inside a transaction may be rolled back, and then come again.
    seq = None if connection.in_atomic_block else clocks.get(TOUCH_CLOCK)
    with _lock:
        held = _held
        if held is None or held.database != database or held.clocks != now:
            held = _held = _moved(held, database, now, seq)
    return Kept(listings=held.listings, ranking=held.ranking, list_clock=now[0], seq=held.seq)


def _moved(
    held: _Held | None,
    database: tuple[str, str],
    clocks: tuple[int | None, int | None],
    seq: int | None,
) -> _Held:
    """What to keep now that a clock has moved: `held` less the models written since its
    position, or (no position to go by, another epoch, too many written) nothing."""
    list_clock, ranking_clock = clocks
    listings = Listings() if list_clock is not None else None
    ranking = Ranking(since=seq) if ranking_clock is not None else None
    if held is None or held.database != database:
        return _Held(database, clocks, seq, listings, ranking)
    if (
        held.seq is None
        or seq is None
        or seq >> EPOCH_BITS != held.seq >> EPOCH_BITS
        or seq < held.seq
    ):
        # No position to go by: keep what the clock that did not move keeps (eligible sets
        # depend on listings too).
        if list_clock is not None and held.clocks[0] == list_clock:
            listings = held.listings
        if ranking_clock is not None and held.clocks[1] == ranking_clock and held.ranking:
            ranking = held.ranking
            if held.clocks[0] != list_clock:
                ranking = replace(ranking, eligible={}, touched=(), since=seq)
        return _Held(database, clocks, seq, listings, ranking)
    written = touched_since(held.seq)
    if len(written) > TOUCHED_LIMIT:
        return _Held(database, clocks, seq, listings, ranking)
    of_kind: dict[int, set[int]] = {kind: set() for kind in Kind}
    for model, kind in written:
        of_kind[kind].add(model)
    if listings is not None and held.listings is not None:
        listings = _listings_less(held.listings, of_kind)
    if ranking is not None and held.ranking is not None:
        # A kept eligible set depends on listings, their offers and their facets.
        changed = of_kind[Kind.LISTING] | of_kind[Kind.OFFER] | of_kind[Kind.FACET]
        step = Touched(seq, frozenset(changed))
        ranking = _ranking_less(held.ranking, of_kind, step)
    return _Held(database, clocks, seq, listings, ranking)


def _less(store: dict[int, V], models: set[int]) -> dict[int, V]:
    """`store` without these keys: a copy, which a resolve still reading the old one does not
    see (the same store when it holds none of them)."""
    if not any(pk in store for pk in models):
        return store
    kept = dict(store)
    for pk in models:
        kept.pop(pk, None)
    return kept


def _listings_less(listings: Listings, of_kind: dict[int, set[int]]) -> Listings:
    """`listings` less what the writes change: names and shown rows of written listings,
    shown rows of models whose trust was written, and hidden listings after any listing is
    written (one indexed read: resolve._hidden_decide)."""
    written = of_kind[Kind.LISTING]
    if not written and not of_kind[Kind.TRUST]:
        return listings
    return Listings(
        names=_less(listings.names, written),
        shown=_less(listings.shown, written | of_kind[Kind.TRUST]),
        hidden={} if written else listings.hidden,
    )


def _ranking_less(ranking: Ranking, of_kind: dict[int, set[int]], step: Touched) -> Ranking:
    """`ranking` less what the writes change (capabilities of models whose capabilities were
    written, offers, signed versions); its eligible sets to be brought up to date by
    `step`."""
    capabilities = of_kind[Kind.CAPABILITY]
    gone = (
        {pk for pk, model in ranking.model_of.items() if model in capabilities}
        if capabilities
        else set()
    )
    touched, since = ranking.touched, ranking.since
    if step.models:
        touched = (*touched, step)
        if len(touched) > TOUCHED_KEPT:
            since, touched = touched[0].upto, touched[1:]
    return Ranking(
        facts=_less(ranking.facts, gone),
        capabilities=_less(ranking.capabilities, gone),
        model_of=_less(ranking.model_of, gone),
        offers=_less(ranking.offers, of_kind[Kind.OFFER]),
        endpoints=_less(ranking.endpoints, of_kind[Kind.OFFER]),
        signed=_less(ranking.signed, of_kind[Kind.SIGNED]),
        eligible=dict(ranking.eligible),
        touched=touched,
        since=since,
    )


def forget() -> None:
    """Keep nothing read so far (tests: as a process that has read nothing yet)."""
    global _held
    with _lock:
        _held = None


def _read(
    keys: Iterable[int],
    store: dict[int, V] | None,
    load: Callable[[list[int]], dict[int, V]],
    *,
    limited: bool = True,
) -> dict[int, V]:
    """Each key's value: from `store` where it holds it, else `load`ed (the keys it leaves
    out do not exist) and added to `store` while it stays within KEPT_LIMIT (`limited`)."""
    found: dict[int, V] = {}
    missing = []
    known = store if store is not None else {}
    for key in keys:
        if key in known:
            found[key] = known[key]
        else:
            missing.append(key)
    if missing:
        read = load(missing)
        found.update(read)
        if store is not None and (not limited or len(store) + len(read) <= KEPT_LIMIT):
            store.update(read)
    return found


def _names(listings: Any) -> dict[int, tuple[str, str]]:
    """(slug, family key) by key of the given listings (a queryset), read in chunks."""
    rows = listings.order_by().values_list("pk", "slug", "family")
    return {pk: (slug, family or slug) for pk, slug, family in rows.iterator(2000)}


def _names_load(pks: list[int]) -> dict[int, tuple[str, str]]:
    return _names(Artifact.objects.filter(pk__in=pks))


def names_prefill() -> int:
    """Keep every listing's name under the list clock as it is now (matching.warmup, as a
    web process starts: a resolve then reads none it ranks from the database until a listing
    is written); how many are kept."""
    listings = kept_now().listings
    if listings is None:
        return 0
    listings.names.update(_names(Artifact.objects.all()))
    return len(listings.names)


def names_read(pks: Iterable[int], kept: Kept) -> dict[int, tuple[str, str]]:
    """(slug, family key: the family, or the slug when it has none) of each listing given
    that exists."""
    store = kept.listings.names if kept.listings else None
    return _read(pks, store, _names_load, limited=False)


def shown_read(pks: Iterable[int], kept: Kept) -> dict[int, Artifact]:
    """Each listing given that exists, with SHOWN_FIELDS and its trust only."""

    def load(missing: list[int]) -> dict[int, Artifact]:
        rows = Artifact.objects.filter(pk__in=missing).select_related("trust")
        return {artifact.pk: artifact for artifact in rows.only(*SHOWN_FIELDS)}

    return _read(pks, kept.listings.shown if kept.listings else None, load)


def _models_note(kept: Kept, models: dict[int, int]) -> None:
    """Note which model each kept capability belongs to (kept_now forgets a written model's)."""
    if kept.ranking is not None and len(kept.ranking.model_of) < 2 * KEPT_LIMIT:
        kept.ranking.model_of.update(models)


def facts_read(pks: Iterable[int], kept: Kept) -> dict[int, Facts]:
    """The outcome and probe counts of each capability given that exists."""

    def load(missing: list[int]) -> dict[int, Facts]:
        rows = Capability.objects.filter(pk__in=missing).values_list(
            "pk",
            "artifact_id",
            "success_rate",
            "feedback_count",
            "successes",
            "probe_runs",
            "probe_passes",
        )
        facts: dict[int, Facts] = {}
        models: dict[int, int] = {}
        for pk, model, rate, feedback, successes, runs, passes in rows:
            facts[pk] = (rate, feedback, successes, runs, passes)
            models[pk] = model
        _models_note(kept, models)
        return facts

    return _read(pks, kept.ranking.facts if kept.ranking else None, load)


def capabilities_read(pks: Iterable[int], kept: Kept) -> dict[int, Capability]:
    """Each capability given that exists, with SHOWN_CAPABILITY_FIELDS only."""

    def load(missing: list[int]) -> dict[int, Capability]:
        rows = Capability.objects.filter(pk__in=missing).only(*SHOWN_CAPABILITY_FIELDS)
        found = {capability.pk: capability for capability in rows}
        _models_note(kept, {pk: capability.artifact_id for pk, capability in found.items()})
        return found

    return _read(pks, kept.ranking.capabilities if kept.ranking else None, load)


def offers_read(pks: Iterable[int], kept: Kept) -> dict[int, tuple[Offer, ...]]:
    """Each given model's offers (its endpoints as offers.Offer; none: empty)."""

    def load(missing: list[int]) -> dict[int, tuple[Offer, ...]]:
        offers: dict[int, list[Offer]] = {pk: [] for pk in missing}
        rows = ProviderEndpoint.objects.filter(artifact_id__in=missing).values(*ENDPOINT_FIELDS)
        for values in rows:
            offers[values["artifact_id"]].append(Offer.from_values(values))
        return {pk: tuple(found) for pk, found in offers.items()}

    return _read(pks, kept.ranking.offers if kept.ranking else None, load)


def endpoints_read(pks: Iterable[int], kept: Kept) -> dict[int, tuple[ProviderEndpoint, ...]]:
    """Each given model's endpoints (none: empty), without their raw catalog rows."""

    def load(missing: list[int]) -> dict[int, tuple[ProviderEndpoint, ...]]:
        endpoints: dict[int, list[ProviderEndpoint]] = {pk: [] for pk in missing}
        for endpoint in ProviderEndpoint.objects.filter(artifact_id__in=missing).defer("raw"):
            endpoints[endpoint.artifact_id].append(endpoint)
        return {pk: tuple(found) for pk, found in endpoints.items()}

    return _read(pks, kept.ranking.endpoints if kept.ranking else None, load)


def signed_read(pks: Iterable[int], kept: Kept) -> dict[int, Signed | None]:
    """Each given model's latest signed version: (its passport, when it was signed), or None
    when it has none."""

    def load(missing: list[int]) -> dict[int, Signed | None]:
        signed: dict[int, Signed | None] = dict.fromkeys(missing)
        for version in latest_versions(missing):
            signed[version.artifact_id] = (version.passport(), version.signed_at)
        return signed

    return _read(pks, kept.ranking.signed if kept.ranking else None, load)


Decide = Callable[[list[int] | None], tuple[list[int] | None, str | None]]


def eligible_read(
    constraints: tuple[Any, ...], kept: Kept, decide: Decide
) -> tuple[list[int] | None, str | None]:
    """The models that meet a need's hard constraints (`constraints`, a key of their values),
    as `decide(None)` decides them, kept under both clocks: they depend on listings, their
    facets and their offers. A set kept before models were written is brought up to date by
    deciding those models only (`decide(models)`: which of them meet the constraints),
    unless it said none can, or comes to none, or too many steps passed (then all again).
    At most ELIGIBLE_KEPT sets are kept. The list is the caller's own."""
    if kept.ranking is None or kept.list_clock is None:
        return decide(None)
    store = kept.ranking.eligible
    found = store.get(constraints)
    if found is None or found.seq != kept.seq:
        found = _eligible_update(found, kept, decide)
        if constraints in store or len(store) < ELIGIBLE_KEPT:
            store[constraints] = found
    return (None if found.models is None else list(found.models)), found.impossible


def _eligible_update(found: Eligible | None, kept: Kept, decide: Decide) -> Eligible:
    assert kept.ranking is not None
    if found is not None and found.models is None and found.impossible is None:
        return replace(found, seq=kept.seq)  # no hard constraint: no write changes that
    written = _written_since(found, kept.ranking)
    if found is not None and written is not None:
        if not written:
            return replace(found, seq=kept.seq)
        if found.impossible is None:
            among, impossible = decide(sorted(written))
            if impossible is None and among is not None:
                models = (set(found.models or ()) - written) | set(among)
                if models:  # none: decided again, for the reason
                    return Eligible(tuple(sorted(models)), None, kept.seq)
    eligible, impossible = decide(None)
    return Eligible(None if eligible is None else tuple(eligible), impossible, kept.seq)


def _written_since(found: Eligible | None, ranking: Ranking) -> frozenset[int] | None:
    """The models whose listing, offers or facets were written since `found` was decided,
    if `ranking` holds every such write since."""
    if found is None or found.seq is None or ranking.since is None or found.seq < ranking.since:
        return None
    return frozenset().union(*(step.models for step in ranking.touched if step.upto > found.seq))


def hidden_read(routers: bool, kept: Kept, load: Callable[[], list[int]]) -> list[int]:
    """The listings a resolve leaves out unasked (merged ones, and routers unless `routers`),
    as `load` reads them, kept under the list clock. The list is the caller's own."""
    if kept.listings is None:
        return load()
    found = kept.listings.hidden.get(routers)
    if found is None:
        found = kept.listings.hidden[routers] = tuple(load())
    return list(found)
