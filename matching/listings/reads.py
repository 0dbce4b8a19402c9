"""The reads a resolve makes of the models it ranks and shows, each from what kept_now keeps
where it holds it (the package's docstring says what and why)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from passports.selectors import latest_versions
from registry.models import Artifact, Capability, ProviderEndpoint

from ..offers import ENDPOINT_FIELDS, Offer
from .kept import Eligible, Facts, Kept, Ranking, Signed, V, kept_now

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
