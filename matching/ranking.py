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
"""

from __future__ import annotations

from dataclasses import dataclass

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
