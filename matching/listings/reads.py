"""The reads a resolve makes of the models it ranks and shows, each from what kept_now keeps
where it holds it (the package's docstring says what and why)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from django.db.models import QuerySet

from passports.selectors import latest_versions
from registry.models import Artifact, Capability, ProviderEndpoint

from ..offers import ENDPOINT_FIELDS, Offer
from .kept import Eligible, Facts, Kept, Ranking, Signed, V, kept_now

T = TypeVar("T")
# How many entries a kind keeps. What a resolve reads of every model it ranks (capability
# counts by capability; shown rows and offers by model) is kept up to RANKED_LIMIT: at
# 100,000 capabilities of 25,000 models all of it is 68 MB, and kept up to 10,000 a resolve
# read most of what it ranked again each time (overhead past the query's encoding: p95 31
# ms, 25 with all kept). What it reads of the few it shows (capability texts, endpoints,
# signed passports) stops at KEPT_LIMIT: the passports alone of those 25,000 models are
# 225 MB, their capability rows 159 MB, and a resolve reads a handful of each.
KEPT_LIMIT = 10_000
RANKED_LIMIT = 200_000
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
    limit: int | None,
) -> dict[int, V]:
    """Each key's value: from `store` where it holds it, else `load`ed (the keys it leaves
    out do not exist) and added to `store` while it stays within `limit` (None: no limit)."""
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
        if store is not None and (limit is None or len(store) + len(read) <= limit):
            store.update(read)
    return found


# Each load reads the rows of the keys given, each key present in what it returns where a
# key without rows has a value (no offers, no endpoints, no signed version); `whole`: every
# row of the table instead (prefill), not a filter by thousands of keys.


def _among(rows: QuerySet[Any], pks: list[int], whole: bool, field: str = "pk") -> QuerySet[Any]:
    return rows if whole else rows.filter(**{f"{field}__in": pks})


def _names_load(pks: list[int], whole: bool = False) -> dict[int, tuple[str, str]]:
    """(slug, family key) by key of the given listings, read in chunks."""
    rows = _among(Artifact.objects.order_by(), pks, whole).values_list("pk", "slug", "family")
    return {pk: (slug, family or slug) for pk, slug, family in rows.iterator(2000)}


def _shown_load(pks: list[int], whole: bool = False) -> dict[int, Artifact]:
    rows = _among(Artifact.objects.select_related("trust"), pks, whole).only(*SHOWN_FIELDS)
    return {artifact.pk: artifact for artifact in rows}


def _models_note(kept: Kept, models: dict[int, int]) -> None:
    """Note which model each capability read belongs to (kept_now forgets a written model's
    kept capabilities by it): at most one entry per capability, so no limit."""
    if kept.ranking is not None:
        kept.ranking.model_of.update(models)


def _facts_load(kept: Kept, pks: list[int], whole: bool = False) -> dict[int, Facts]:
    fields = ("pk", "artifact_id", "success_rate", "feedback_count", "successes")
    rows = _among(Capability.objects.all(), pks, whole).values_list(
        *fields, "probe_runs", "probe_passes"
    )
    facts: dict[int, Facts] = {}
    models: dict[int, int] = {}
    for pk, model, rate, feedback, successes, runs, passes in rows:
        facts[pk] = (rate, feedback, successes, runs, passes)
        models[pk] = model
    _models_note(kept, models)
    return facts


def _capabilities_load(kept: Kept, pks: list[int], whole: bool = False) -> dict[int, Capability]:
    rows = _among(Capability.objects.all(), pks, whole).only(*SHOWN_CAPABILITY_FIELDS)
    found = {capability.pk: capability for capability in rows}
    _models_note(kept, {pk: capability.artifact_id for pk, capability in found.items()})
    return found


def _by_model(rows: Iterable[tuple[int, T]], pks: list[int]) -> dict[int, tuple[T, ...]]:
    """(model, row) pairs as each model's rows, every model given present."""
    found: dict[int, list[T]] = {pk: [] for pk in pks}
    for model, row in rows:
        found.setdefault(model, []).append(row)
    return {pk: tuple(of_model) for pk, of_model in found.items()}


def _offers_load(pks: list[int], whole: bool = False) -> dict[int, tuple[Offer, ...]]:
    endpoints = _among(ProviderEndpoint.objects.all(), pks, whole, "artifact_id")
    rows = endpoints.values(*ENDPOINT_FIELDS)
    return _by_model(((v["artifact_id"], Offer.from_values(v)) for v in rows), pks)


def _endpoints_load(pks: list[int], whole: bool = False) -> dict[int, tuple[ProviderEndpoint, ...]]:
    rows = _among(ProviderEndpoint.objects.all(), pks, whole, "artifact_id").defer("raw")
    return _by_model(((endpoint.artifact_id, endpoint) for endpoint in rows), pks)


def _signed_load(pks: list[int], whole: bool = False) -> dict[int, Signed | None]:
    signed: dict[int, Signed | None] = dict.fromkeys(pks)
    versions = latest_versions(None if whole else pks).only(
        "artifact_id", "passport_json", "signature", "signed_at"
    )
    for version in versions:
        signed[version.artifact_id] = (version.passport(), version.signed_at)
    return signed


def prefill(limit: int | None = None, ranked_limit: int | None = None) -> dict[str, int]:
    """Keep, as a web process starts (matching.warmup), every listing's name, and each kind
    of what a resolve reads whose every row fits within its limit: a resolve then reads from
    the database only what was written since. Read as they are asked for, a resolve that
    shows models not shown before reads them, five queries of 1 to 2.5 ms: at 10,000
    capabilities a third of a new process's first 200 resolves did, and its p95 was 24 ms
    against 19 with every row kept (0.4 s to read them all). How many of each are kept.
    The limits are KEPT_LIMIT and RANKED_LIMIT unless given."""
    limit = KEPT_LIMIT if limit is None else limit
    ranked_limit = RANKED_LIMIT if ranked_limit is None else ranked_limit
    kept = kept_now()
    listings, ranking = kept.listings, kept.ranking
    if listings is None:
        return {}
    listings.names.update(_names_load([], whole=True))
    models = sorted(listings.names)
    counts = {"names": len(models)}
    if len(models) <= ranked_limit:
        listings.shown.update(_shown_load(models, whole=True))
        counts["shown"] = len(listings.shown)
    if ranking is None:
        return counts
    capabilities = Capability.objects.count()
    if capabilities <= ranked_limit:
        ranking.facts.update(_facts_load(kept, [], whole=True))
        counts["facts"] = len(ranking.facts)
    if len(models) <= ranked_limit:
        ranking.offers.update(_offers_load(models, whole=True))
        counts["offers"] = len(ranking.offers)
    if capabilities <= limit:
        ranking.capabilities.update(_capabilities_load(kept, [], whole=True))
        counts["capabilities"] = len(ranking.capabilities)
    if len(models) <= limit:
        ranking.endpoints.update(_endpoints_load(models, whole=True))
        ranking.signed.update(_signed_load(models, whole=True))
        counts["signed"] = sum(1 for found in ranking.signed.values() if found)
    return counts


def names_read(pks: Iterable[int], kept: Kept) -> dict[int, tuple[str, str]]:
    """(slug, family key: the family, or the slug when it has none) of each listing given
    that exists."""
    store = kept.listings.names if kept.listings else None
    return _read(pks, store, _names_load, None)


def shown_read(pks: Iterable[int], kept: Kept) -> dict[int, Artifact]:
    """Each listing given that exists, with SHOWN_FIELDS and its trust only."""
    return _read(pks, kept.listings.shown if kept.listings else None, _shown_load, RANKED_LIMIT)


def facts_read(pks: Iterable[int], kept: Kept) -> dict[int, Facts]:
    """The outcome and probe counts of each capability given that exists."""
    store = kept.ranking.facts if kept.ranking else None
    return _read(pks, store, lambda missing: _facts_load(kept, missing), RANKED_LIMIT)


def capabilities_read(pks: Iterable[int], kept: Kept) -> dict[int, Capability]:
    """Each capability given that exists, with SHOWN_CAPABILITY_FIELDS only."""
    store = kept.ranking.capabilities if kept.ranking else None
    return _read(pks, store, lambda missing: _capabilities_load(kept, missing), KEPT_LIMIT)


def offers_read(pks: Iterable[int], kept: Kept) -> dict[int, tuple[Offer, ...]]:
    """Each given model's offers (its endpoints as offers.Offer; none: empty)."""
    store = kept.ranking.offers if kept.ranking else None
    return _read(pks, store, _offers_load, RANKED_LIMIT)


def endpoints_read(pks: Iterable[int], kept: Kept) -> dict[int, tuple[ProviderEndpoint, ...]]:
    """Each given model's endpoints (none: empty), without their raw catalog rows."""
    store = kept.ranking.endpoints if kept.ranking else None
    return _read(pks, store, _endpoints_load, KEPT_LIMIT)


def signed_read(pks: Iterable[int], kept: Kept) -> dict[int, Signed | None]:
    """Each given model's latest signed version: (its passport, when it was signed), or None
    when it has none."""
    return _read(pks, kept.ranking.signed if kept.ranking else None, _signed_load, KEPT_LIMIT)


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
