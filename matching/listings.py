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
  added under their values. Only the latest values' are kept: a write drops what its clock
  keeps, and the next resolves read again what they rank.
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
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection

from passports.selectors import latest_versions
from registry.list_page import CLOCKED_VENDORS, LIST_CLOCK
from registry.models import Artifact, Capability, ProviderEndpoint, clocks_read

from .offers import ENDPOINT_FIELDS, Offer

RANKING_CLOCK = "ranking"  # moved by the triggers of migration 0009 (SQLite only)
KEPT_LIMIT = 10_000
ELIGIBLE_KEPT = 256  # sets of models meeting a need's constraints (eligible_read)
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


@dataclass
class Ranking:
    """Kept under the ranking clock."""

    facts: dict[int, Facts] = field(default_factory=dict)  # by capability
    capabilities: dict[int, Capability] = field(default_factory=dict)  # SHOWN_CAPABILITY_FIELDS
    offers: dict[int, tuple[Offer, ...]] = field(default_factory=dict)  # by model
    endpoints: dict[int, tuple[ProviderEndpoint, ...]] = field(default_factory=dict)
    signed: dict[int, Signed | None] = field(default_factory=dict)  # by model; None: unsigned
    # By (list clock, a need's hard constraints): the models that meet them (None: every
    # listed one but routers), or why none can (resolve._eligible_artifacts).
    eligible: dict[tuple[Any, ...], tuple[tuple[int, ...] | None, str | None]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class Kept:
    listings: Listings | None  # None: nothing kept under the list clock
    ranking: Ranking | None
    list_clock: int | None = None


# (database alias, name; clock value) and what is kept under it, one of each kind
_lock = threading.Lock()
_listings: tuple[tuple[str, str, int], Listings] | None = None
_ranking: tuple[tuple[str, str, int], Ranking] | None = None
NOTHING = Kept(listings=None, ranking=None)


def kept_now() -> Kept:
    """What is kept of the registry as it is now (both clocks read in one query), for the
    readers below to use and fill."""
    global _listings, _ranking
    if connection.vendor not in CLOCKED_VENDORS:
        return NOTHING
    clocks = clocks_read(LIST_CLOCK, RANKING_CLOCK)
    database = (connection.alias, str(connection.settings_dict["NAME"]))
    listings = ranking = None
    with _lock:
        if LIST_CLOCK in clocks:
            key = (*database, clocks[LIST_CLOCK])
            if _listings is None or _listings[0] != key:
                _listings = (key, Listings())
            listings = _listings[1]
        if RANKING_CLOCK in clocks:
            key = (*database, clocks[RANKING_CLOCK])
            if _ranking is None or _ranking[0] != key:
                _ranking = (key, Ranking())
            ranking = _ranking[1]
    return Kept(listings=listings, ranking=ranking, list_clock=clocks.get(LIST_CLOCK))


def forget() -> None:
    """Keep nothing read so far (tests: as a process that has read nothing yet)."""
    global _listings, _ranking
    with _lock:
        _listings = _ranking = None


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


def facts_read(pks: Iterable[int], kept: Kept) -> dict[int, Facts]:
    """The outcome and probe counts of each capability given that exists."""

    def load(missing: list[int]) -> dict[int, Facts]:
        rows = Capability.objects.filter(pk__in=missing).values_list(
            "pk", "success_rate", "feedback_count", "successes", "probe_runs", "probe_passes"
        )
        return {
            pk: (rate, feedback, successes, runs, passes)
            for pk, rate, feedback, successes, runs, passes in rows
        }

    return _read(pks, kept.ranking.facts if kept.ranking else None, load)


def capabilities_read(pks: Iterable[int], kept: Kept) -> dict[int, Capability]:
    """Each capability given that exists, with SHOWN_CAPABILITY_FIELDS only."""

    def load(missing: list[int]) -> dict[int, Capability]:
        rows = Capability.objects.filter(pk__in=missing).only(*SHOWN_CAPABILITY_FIELDS)
        return {capability.pk: capability for capability in rows}

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


def eligible_read(
    constraints: tuple[Any, ...],
    kept: Kept,
    load: Callable[[], tuple[list[int] | None, str | None]],
) -> tuple[list[int] | None, str | None]:
    """The models that meet a need's hard constraints (`constraints`, a key of their values),
    as `load` decides them, kept under both clocks: they depend on listings, their facets and
    their offers. At most ELIGIBLE_KEPT sets are kept. The list is the caller's own."""
    if kept.ranking is None or kept.list_clock is None:
        return load()
    store = kept.ranking.eligible
    key = (kept.list_clock, constraints)
    found = store.get(key)
    if found is None:
        eligible, impossible = load()
        found = (None if eligible is None else tuple(eligible), impossible)
        if len(store) < ELIGIBLE_KEPT:
            store[key] = found
    return (None if found[0] is None else list(found[0])), found[1]


def hidden_read(routers: bool, kept: Kept, load: Callable[[], list[int]]) -> list[int]:
    """The listings a resolve leaves out unasked (merged ones, and routers unless `routers`),
    as `load` reads them, kept under the list clock. The list is the caller's own."""
    if kept.listings is None:
        return load()
    found = kept.listings.hidden.get(routers)
    if found is None:
        found = kept.listings.hidden[routers] = tuple(load())
    return list(found)
