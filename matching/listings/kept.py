"""What a web process keeps of the registry, per clock state, and how it follows writes
(kept_now): the package's docstring says what and why."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.db import connection

from registry.clocks import TOUCH_EPOCH_BITS as EPOCH_BITS
from registry.clocks import clocks_read, touched_since
from registry.list_page import CLOCKED_VENDORS, LIST_CLOCK
from registry.models import Artifact, ArtifactTouch, Capability, ProviderEndpoint

from ..offers import Offer

Kind = ArtifactTouch.Kind

RANKING_CLOCK = "ranking"  # moved by the triggers of migration 0009 (SQLite only)
TOUCH_CLOCK = "touches"  # the order of writes, by the triggers of migration 0011 (SQLite only)
# More models written at once than this (an import): forget everything, read it all again.
TOUCHED_LIMIT = 2_000
TOUCHED_KEPT = 64  # steps of models written, for kept eligible sets to catch up by

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
