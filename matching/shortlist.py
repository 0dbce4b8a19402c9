"""The models a resolve shows: the index's hits grouped by model, ordered by similarity in tie
bands (ranking.tie_bands), each band ordered by evidence and preference (ranking.tie_order),
then one model per family. Reads the database only for the models that can be shown or that
tie with one that can."""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from registry.models import Artifact

from . import ranking
from .candidates import Candidate, candidates_of
from .constraints import Required
from .index import CapabilityIndex
from .listings import (
    Kept,
    capabilities_read,
    facts_read,
    names_read,
    offers_read,
    shown_read,
)
from .offers import Offer, offer_choose

# Text rows fetched per resolve, before grouping by capability: enough for 50 results among
# near ties, few enough that ranking reads few rows. A search goes deeper (x4 at a time, up to
# MAX_SEARCH_DEPTH) while a model it has not reached could still tie with one it would show,
# or it has found fewer families than it shows.
SEARCH_DEPTH = 150
MAX_SEARCH_DEPTH = 9600
# Rows the first search fetches, for the steps after the first to take from it (as deep as
# three steps go; matching.index.deepening).
FIRST_FETCH = SEARCH_DEPTH * 16
# Shown capabilities of one model: its best, and up to three in `alternatives`.
CAPABILITIES_SHOWN = 4


@dataclass
class Listed:
    """One model in the order shown."""

    artifact: Artifact
    # Its capabilities with their rank, best first (full rows for the shown models only).
    capabilities: list[tuple[ranking.Rank, Any, Candidate]]
    similarity: float
    band: int
    offer: Offer | None
    facts: ranking.TieFacts
    order: tuple[tuple[str, Any], ...]
    same_family: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Shortlist:
    models: list[Listed]  # one per family unless the need names it, best first; limit + 1 at most
    band_sizes: dict[int, int]  # how many fitting models each band holds, shown or not
    band_orders: dict[int, list[tuple[tuple[str, Any], ...]]]  # each band's tie orders, sorted
    total_fitting: int  # models with a text over the no-match threshold (as far as searched)
    kept: Kept  # what was kept of the registry as it was when the resolve began


_NOT_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)
def _family_words(family: str) -> tuple[str, ...] | None:
    """A family key's model words, or None when they are too short to name it (once per key:
    a resolve asks about hundreds of families)."""
    words = tuple(w for w in _NOT_WORD.split(family.rsplit("/", 1)[-1].lower()) if w)
    if not words or len("".join(words)) < 3:
        return None
    return words


@functools.lru_cache(maxsize=256)
def _need_words(need: str) -> frozenset[str]:
    return frozenset(_NOT_WORD.split(need.lower()))


def family_named(family: str, need: str) -> bool:
    """The need names the family by its model words: "claude" names anthropic/claude, "gemini"
    google/gemini (registry.naming.family_of). The maker alone ("anthropic") names no family."""
    words = _family_words(family)
    if words is None:
        return False
    need_words = _need_words(need)
    return all(word in need_words for word in words)


def _read_names(
    pks: list[int],
    names: dict[int, tuple[str, str]],
    need: str,
    kept: Kept,
) -> bool:
    """Add (slug, family key) of the given models to `names` (a family the need names keyed
    by the slug: family_named), as matching.listings keeps them or from the database; False if one
    is not there."""
    new = [pk for pk in pks if pk not in names]
    for pk, (slug, key) in names_read(new, kept).items():
        names[pk] = (slug, slug if family_named(key, need) else key)
    return all(pk in names for pk in new)


def _rank(
    similarity: dict[int, float],
    names: dict[int, tuple[str, str]],
    need: str,
    wanted: int,
    kept: Kept,
) -> tuple[list[int], list[int], int, bool]:
    """The models in order (similarity, then slug) with their tie bands, the band to cut at and
    whether it shows `wanted` families (_cut_band): the order's first bands, up to the cut at
    least. Names are read a few bands at a time until the cut, not for every model that fits:
    equal similarities share a band, and a band depends on the similarities before it only.
    Sorted as arrays (thousands of models after a deep search); the sort is stable, so equal
    similarities keep the order of `similarity`."""
    models = np.fromiter(similarity.keys(), dtype=np.int64, count=len(similarity))
    best = np.fromiter(similarity.values(), dtype=np.float64, count=len(similarity))
    by_similarity = np.argsort(-best, kind="stable")
    ranked = models[by_similarity].tolist()
    bands = ranking.tie_bands_sorted(best[by_similarity]).tolist()
    end = 0
    while end < len(ranked):
        end = min(len(ranked), max(2 * end, 8 * wanted, 64))
        while end < len(ranked) and bands[end] == bands[end - 1]:
            end += 1  # whole bands
        if not _read_names(ranked[:end], names, need, kept):
            break  # a model is gone: rank all that are left, as their bands shift
        prefix = sorted(ranked[:end], key=lambda pk: (-similarity[pk], names[pk][0]))
        family_of = {pk: names[pk][1] for pk in prefix}
        cut, enough = _cut_band(prefix, bands[:end], family_of, wanted)
        if enough or end == len(ranked):
            return prefix, bands[:end], cut, enough
    _read_names(ranked, names, need, kept)
    order = sorted(
        (pk for pk in similarity if pk in names), key=lambda pk: (-similarity[pk], names[pk][0])
    )
    order_bands = ranking.tie_bands([similarity[pk] for pk in order])
    cut, enough = _cut_band(order, order_bands, {pk: names[pk][1] for pk in order}, wanted)
    return order, order_bands, cut, enough


def _cut_band(
    order: list[int], bands: list[int], family_of: dict[int, str], wanted: int
) -> tuple[int, bool]:
    """The last band needed to show `wanted` families, and whether that many were found."""
    seen: set[str] = set()
    for position, artifact in enumerate(order):
        seen.add(family_of[artifact])
        if len(seen) >= wanted:
            return bands[position], True
    return (bands[-1] if bands else 0), False


def shortlist(
    *,
    index: CapabilityIndex,
    query: np.ndarray,
    rows: np.ndarray | None,
    limit: int,
    need: str,
    required: Required,
    registry: Kept,
) -> Shortlist:
    """The top `limit` + 1 models to show (the one after the shown is there for the last shown
    one to be compared with), with the tie bands they lie in."""
    available = len(index) if rows is None else len(rows)
    depth = max(SEARCH_DEPTH, 8 * limit)
    names: dict[int, tuple[str, str]] = {}  # artifact -> (slug, family key)
    # What this process keeps of the registry as it is now (resolve reads it once).
    listings = registry
    search = index.deepening(
        query, rows=rows, at_least=ranking.NO_MATCH_THRESHOLD, fetch_ahead=FIRST_FETCH
    )
    while True:
        hits, weakest = search.first(depth)
        candidates = candidates_of(hits, index, query)
        similarity = candidates.best_of_each_model()
        # The most a capability not reached can score (None: no deeper search, or nothing
        # unseen fits: a text not reached yet is further than `weakest`, under the
        # threshold). It has every text below `weakest`: its mean text and best text at
        # `weakest`, its category at the best.
        reachable = None
        deeper = bool(similarity) and depth < min(available, MAX_SEARCH_DEPTH)
        if deeper and weakest is not None and weakest >= ranking.NO_MATCH_THRESHOLD:
            reachable = ranking.capability_similarity(
                best_text=weakest,
                mean_text=weakest,
                category=index.best_category_similarity(query),
            )
            if reachable >= max(similarity.values()) - ranking.TIE_BAND:
                # One not reached could tie with the best found: deeper, before ranking.
                depth *= 4
                continue
        order, bands, cut, enough = _rank(similarity, names, need, limit + 1, listings)
        family_of = {pk: names[pk][1] for pk in order}
        if not order or reachable is None:
            break
        leader = next(similarity[pk] for pk, band in zip(order, bands, strict=True) if band == cut)
        if enough and reachable < leader - ranking.TIE_BAND:
            break
        depth *= 4
    kept = [pk for pk, band in zip(order, bands, strict=True) if band <= cut]
    band_of = {pk: band for pk, band in zip(order, bands, strict=True) if band <= cut}
    listed = _order_bands(
        kept=kept,
        band_of=band_of,
        similarity=similarity,
        candidates=candidates.of_artifacts(band_of),
        required=required,
        listings=listings,
    )
    band_orders: dict[int, list[tuple[tuple[str, Any], ...]]] = defaultdict(list)
    for model in listed:
        band_orders[model.band].append(model.order)
    shown = _one_per_family(listed, family_of, limit + 1)
    _load_shown(shown, listings)
    return Shortlist(
        models=shown,
        band_sizes=dict(Counter(band_of.values())),
        band_orders=dict(band_orders),
        total_fitting=len(similarity),
        kept=listings,
    )


def _order_bands(
    *,
    kept: list[int],
    band_of: dict[int, int],
    similarity: dict[int, float],
    candidates: list[Candidate],
    required: Required,
    listings: Kept,
) -> list[Listed]:
    """The kept models with their facts, offers and capability ranks, in band order and, within
    a band, in tie order."""
    facts = facts_read([c.hit.capability for c in candidates], listings)
    # What ranking reads (_tie_facts) and an answer shows: not the full rows.
    artifacts = shown_read(kept, listings)
    offers = offers_read(kept, listings)
    by_artifact: dict[int, list[tuple[ranking.Rank, int, Candidate]]] = defaultdict(list)
    for candidate in candidates:
        pk = candidate.hit.capability
        if pk not in facts or candidate.hit.artifact not in artifacts:
            continue
        success_rate, feedback, _successes, _runs, _passes = facts[pk]
        trust = getattr(artifacts[candidate.hit.artifact], "trust", None)
        scored = ranking.rank(
            best_text=candidate.best_text,
            mean_text=candidate.mean_text,
            category=candidate.category[0],
            trust_score=trust.score if trust else 0,
            success_rate=success_rate,
            feedback=feedback,
        )
        by_artifact[candidate.hit.artifact].append((scored, pk, candidate))
    listed = []
    for pk in kept:
        if pk not in by_artifact:
            continue
        # Its most similar capability first (measured success breaks an exact tie).
        entries = sorted(by_artifact[pk], key=lambda e: (-e[0].similarity, -e[0].total, e[1]))
        artifact = artifacts[pk]
        offer = offer_choose(offers.get(pk, ()), required)
        tie_facts = _tie_facts(artifact, offer, facts[entries[0][1]], similarity[pk])
        listed.append(
            Listed(
                artifact=artifact,
                capabilities=[(r, cap, c) for r, cap, c in entries[:CAPABILITIES_SHOWN]],
                similarity=similarity[pk],
                band=band_of[pk],
                offer=offer,
                facts=tie_facts,
                order=ranking.tie_order(tie_facts, required.prefer),
            )
        )
    listed.sort(key=lambda model: (model.band, model.order))
    return listed


def _tie_facts(
    artifact: Artifact,
    offer: Offer | None,
    capability: tuple[float, int, int, int, int],
    similarity: float,
) -> ranking.TieFacts:
    _success_rate, feedback, successes, probe_runs, probe_passes = capability
    trust = getattr(artifact, "trust", None)
    status = offer.probe_status if offer else {}
    pass_rate: float | None
    if probe_runs:
        runs, pass_rate = probe_runs, probe_passes / probe_runs
    else:
        runs = int(status.get("runs") or 0)
        rate = status.get("success_rate")
        pass_rate = None if rate is None else float(rate)
    price = offer.prompt_price if offer and offer.prompt_price is not None else None
    if price is None:
        price = artifact.prompt_price_per_1m
    context = offer.context_length if offer and offer.context_length is not None else None
    latency = status.get("latency_p50_ms")
    if latency is None and trust is not None:
        latency = (trust.probe_outcomes or {}).get("probe_latency_p50_ms")
    return ranking.TieFacts(
        slug=artifact.slug,
        similarity=similarity,
        trust_score=trust.score if trust else 0,
        release_date=artifact.release_date,
        feedback=feedback,
        successes=successes,
        probe_runs=runs,
        probe_pass_rate=pass_rate,
        prompt_price=None if price is None else float(price),
        context_length=context if context is not None else artifact.context_length,
        latency_ms=None if latency is None else float(latency),
    )


def _one_per_family(listed: list[Listed], family_of: dict[int, str], wanted: int) -> list[Listed]:
    """The best model of each family in order; the others are named in its `same_family`."""
    kept: dict[str, Listed] = {}
    for model in listed:
        family = family_of[model.artifact.pk]
        if family in kept:
            kept[family].same_family.append(model.artifact.slug)
        else:
            kept[family] = model
    return list(kept.values())[:wanted]


def _load_shown(models: list[Listed], kept: Kept) -> None:
    """The rows of the shown models' shown capabilities (names, intents, best-for lines): the
    columns an answer shows. The models' own rows were read with listings.SHOWN_FIELDS already."""
    wanted = {pk for model in models for _rank, pk, _candidate in model.capabilities}
    full = capabilities_read(wanted, kept)
    for model in models:
        model.capabilities = [(r, full[pk], c) for r, pk, c in model.capabilities]
