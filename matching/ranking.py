"""The ranking formula: pure functions, with the breakdown every answer shows.

A capability's similarity to a need blends its best-matching text with all of
its texts, so one lucky generic line ("deploy a capable language model") does
not beat a capability whose texts agree with the need throughout; then the
capability's category (the texts of every capability filed under it, as one
centroid) adds what the whole category says, so a need lands in the right kind
of model before the right model of that kind:
    text = 0.7 * best_text + 0.3 * mean_text
    similarity = 0.85 * text + 0.15 * category
A capability in no such category (index.CATEGORY_MIN_MEMBERS members or more,
and not most of the registry) is measured against the centroid of the whole
registry instead.
Similarity decides; trust and measured success only break near ties:
    total = similarity + 0.05 * score/100 + 0.05 * (success_rate - 0.5) * evidence
where evidence = min(1, feedback/20) grows with the outcomes actually measured,
so an unmeasured capability is neither helped nor hurt by its success rate.

On tests/matching/dev_set.json (seeds, 52 needs) blending lifted P@1 from 0.79
(best text alone) to 0.87 at 0.5/0.5; with the vocabulary (matching/vocabulary.py)
to 0.96. Once the category carried part of the agreement, 0.7/0.3 kept those
0.96 (0.8 lost one validation need) and lifted Gorilla's model@5 from 0.36 to
0.38 (bench/match_quality.py).

Ties. Catalog-derived capabilities often share templated texts, so many models score
within a hair of each other, and a difference of 0.005 in cosine similarity says nothing about
which model is better. Models are ordered by similarity in bands: a band starts at the most
similar model not yet in one and holds every model within TIE_BAND (0.01) of it (measured
from the band's best, not chained, so a band never drifts down a long slope). Models in one
band fit the need equally well by their descriptions and are ordered by `tie_order`; bands
keep their similarity order. On the full catalog (issue 13) the five results of the needs
that came back at one equal confidence spread over 0.001 to 0.0044 of similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

BEST_TEXT_WEIGHT = 0.7
# Chosen on the even-numbered Gorilla needs (bench/match_quality.py; 0.10 to
# 0.20 score within 0.01 of each other), then checked on the odd-numbered ones
# and on tests/matching/dev_set.json.
CATEGORY_WEIGHT = 0.15
TRUST_WEIGHT = 0.05
SUCCESS_WEIGHT = 0.05
EVIDENCE_FULL_AT = 20
# Below this best-text similarity nothing registered fits the need. Calibrated
# on tests/matching/dev_set.json over the seeds, needs read with the
# vocabulary: the weakest need that has an answer scores 0.271, the strongest
# need nothing answers 0.250.
NO_MATCH_THRESHOLD = 0.26
# How far trust and success can move one capability against another: the trust
# term spans 0..TRUST_WEIGHT, the success term -SUCCESS_WEIGHT/2..+SUCCESS_WEIGHT/2.
# A candidate whose similarity trails by more than this can never overtake.
MAX_BOOST_SPREAD = TRUST_WEIGHT + SUCCESS_WEIGHT


def capability_similarity(
    *, best_text: float, mean_text: float, category: float | None = None
) -> float:
    text = BEST_TEXT_WEIGHT * best_text + (1 - BEST_TEXT_WEIGHT) * mean_text
    return (1 - CATEGORY_WEIGHT) * text + CATEGORY_WEIGHT * (text if category is None else category)


def capability_similarities(
    *, best_text: np.ndarray, mean_text: np.ndarray, category: np.ndarray
) -> np.ndarray:
    """capability_similarity over float64 columns: the same operations in the same order, so
    each value is the same float (IEEE arithmetic, no fused multiply-add in numpy)."""
    text = BEST_TEXT_WEIGHT * best_text + (1 - BEST_TEXT_WEIGHT) * mean_text
    result: np.ndarray = (1 - CATEGORY_WEIGHT) * text + CATEGORY_WEIGHT * category
    return result


@dataclass(frozen=True)
class Rank:
    best_text: float
    mean_text: float
    category: float | None
    similarity: float
    trust: float
    success: float
    total: float

    def as_dict(self) -> dict[str, float | None]:
        return {
            "bestText": round(self.best_text, 4),
            "meanText": round(self.mean_text, 4),
            "category": None if self.category is None else round(self.category, 4),
            "similarity": round(self.similarity, 4),
            "trust": round(self.trust, 4),
            "success": round(self.success, 4),
            "total": round(self.total, 4),
        }


def rank(
    *,
    best_text: float,
    mean_text: float,
    category: float | None = None,
    trust_score: int,
    success_rate: float,
    feedback: int,
) -> Rank:
    similarity = capability_similarity(best_text=best_text, mean_text=mean_text, category=category)
    trust = TRUST_WEIGHT * max(0, min(100, trust_score)) / 100
    evidence = min(1.0, max(0, feedback) / EVIDENCE_FULL_AT)
    success = SUCCESS_WEIGHT * (max(0.0, min(1.0, success_rate)) - 0.5) * evidence
    return Rank(
        best_text=best_text,
        mean_text=mean_text,
        category=category,
        similarity=similarity,
        trust=trust,
        success=success,
        total=similarity + trust + success,
    )


def match_confidence(similarity: float) -> float:
    """Cosine similarity mapped onto 0..1 from the no-match threshold to a near-paraphrase (0.8)."""
    scaled = (similarity - NO_MATCH_THRESHOLD) / (0.8 - NO_MATCH_THRESHOLD)
    return round(max(0.0, min(1.0, scaled)), 3)


TIE_BAND = 0.005


def tie_bands(similarities: Sequence[float]) -> list[int]:
    """The band of each model, given their similarities best first (bands numbered from 0)."""
    return tie_bands_sorted(np.asarray(similarities, dtype=np.float64)).tolist()


def tie_bands_sorted(similarities: np.ndarray) -> np.ndarray:
    """tie_bands as an array, of similarities best first (float64): a band starts at the
    first model below the floor of the band before (its first model's similarity less
    TIE_BAND), so a slope of small steps does not chain into one band. One step per band (a
    binary search for where it ends), not per model: a deep search at 100,000 capabilities
    ranks about 9,000 models into a few dozen bands."""
    count = len(similarities)
    bands = np.empty(count, dtype=np.int64)
    descending = -similarities  # ascending, for searchsorted; negation is exact
    start = band = 0
    while start < count:
        floor = float(similarities[start]) - TIE_BAND
        # The band holds every model from here on that is not below its floor.
        end = int(np.searchsorted(descending, -floor, side="right"))
        end = max(end, start + 1)
        bands[start:end] = band
        start, band = end, band + 1
    return bands


# Measured evidence counts once there is enough of it; until then a model is neither helped nor
# hurt (it counts as NEUTRAL_RATE, between a model that mostly works and one that mostly fails).
MIN_FEEDBACK = 5
MIN_PROBE_RUNS = 3
NEUTRAL_RATE = 0.5
DEFAULT_ORDER = ("trust", "recency")


@dataclass(frozen=True)
class TieFacts:
    """What orders a model among the models it ties with."""

    slug: str
    similarity: float = 0.0
    trust_score: int = 0
    release_date: date | None = None
    # Feedback on the matched capability.
    feedback: int = 0
    successes: int = 0
    # Live probes: the matched capability's, else the shown offer's endpoint's.
    probe_runs: int = 0
    probe_pass_rate: float | None = None
    # Of the offer shown (else the model's own facts).
    prompt_price: float | None = None
    context_length: int | None = None
    latency_ms: float | None = None


def tie_keys(prefer: Sequence[str]) -> list[str]:
    """The keys that order tied models, first first."""
    keys = ["success", "probes"]
    for key in [*prefer, *DEFAULT_ORDER]:
        if key not in keys:
            keys.append(key)
    return [*keys, "similarity", "slug"]


def _rate(value: float | None, enough: bool) -> float:
    return -round(value if enough and value is not None else NEUTRAL_RATE, 2)


def _tie_value(facts: TieFacts, key: str) -> Any:
    if key == "success":
        enough = facts.feedback >= MIN_FEEDBACK
        return _rate(facts.successes / facts.feedback if enough else None, enough)
    if key == "probes":
        return _rate(facts.probe_pass_rate, facts.probe_runs >= MIN_PROBE_RUNS)
    if key == "price":
        return (facts.prompt_price is None, facts.prompt_price or 0.0)
    if key == "context":
        return (facts.context_length is None, -(facts.context_length or 0))
    if key == "recency":
        released = facts.release_date
        return (released is None, -released.toordinal() if released else 0)
    if key == "trust":
        return -facts.trust_score
    if key == "latency":
        return (facts.latency_ms is None, facts.latency_ms or 0.0)
    if key == "similarity":
        return -facts.similarity
    if key == "slug":
        return facts.slug
    raise ValueError(f"unknown tie key {key!r}")


def tie_order(facts: TieFacts, prefer: Sequence[str] = ()) -> tuple[tuple[str, Any], ...]:
    """The sort key of a model among models whose similarities tie; smaller goes first.

    1. measured success: the matched capability's share of successful feedback, once it has
       MIN_FEEDBACK reports; then the probe pass rate (the capability's live probes, else the
       shown offer's endpoint's) once there are MIN_PROBE_RUNS runs. Unmeasured counts as
       NEUTRAL_RATE, so a model that is known to fail goes after one nobody has measured;
       rates are compared to two places.
    2. the need's preferences, in the order stated: price (the shown offer's prompt price,
       lowest first), context (largest first), recency (newest release first), trust (highest
       score first), latency (lowest measured p50 first). A model that does not state the
       value goes after those that do.
    3. the default: trust score, then recency (when not already preferred).
    4. the similarity itself: what is left of the texts' difference still beats the name
       (on the seeds, two models 0.002 apart with the same trust and no release date);
    5. the slug, so the order never depends on the database's.
    """
    return tuple((key, _tie_value(facts, key)) for key in tie_keys(prefer))


def deciding_key(
    first: tuple[tuple[str, Any], ...], second: tuple[tuple[str, Any], ...]
) -> str | None:
    """The key that put `first` ahead of `second` (both tie_order values), if any did."""
    for (key, a), (_key, b) in zip(first, second, strict=True):
        if a != b:
            return key
    return None


def ordered_by(orders: Sequence[tuple[tuple[str, Any], ...]]) -> list[str]:
    """The keys that decided at least one pair of neighbours in a sorted band, in key order.
    Neighbours suffice: in a lexicographic order the key deciding any pair decides one of the
    neighbouring pairs between them."""
    used = {deciding_key(a, b) for a, b in zip(orders, orders[1:], strict=False)}
    return [key for key, _value in orders[0] if key in used] if orders else []
