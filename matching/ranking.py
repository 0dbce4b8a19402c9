"""The ranking formula: one pure function, with the breakdown every answer shows.

Similarity decides; trust and measured success only break near ties:
    total = similarity + 0.05 * score/100 + 0.05 * (success_rate - 0.5) * evidence
where evidence = min(1, feedback/20) grows with the outcomes actually measured,
so an unmeasured capability is neither helped nor hurt by its success rate.
"""

from __future__ import annotations

from dataclasses import dataclass

TRUST_WEIGHT = 0.05
SUCCESS_WEIGHT = 0.05
EVIDENCE_FULL_AT = 20
# Below this best similarity nothing registered fits the need. Calibrated on
# tests/matching/dev_set.json over the seeds: the weakest need that has an
# answer scores 0.286, the strongest need nothing answers 0.229.
NO_MATCH_THRESHOLD = 0.25
# How far trust and success can move one capability against another: the trust
# term spans 0..TRUST_WEIGHT, the success term -SUCCESS_WEIGHT/2..+SUCCESS_WEIGHT/2.
# A candidate whose similarity trails by more than this can never overtake.
MAX_BOOST_SPREAD = TRUST_WEIGHT + SUCCESS_WEIGHT


@dataclass(frozen=True)
class Rank:
    similarity: float
    trust: float
    success: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {
            "similarity": round(self.similarity, 4),
            "trust": round(self.trust, 4),
            "success": round(self.success, 4),
            "total": round(self.total, 4),
        }


def rank(*, similarity: float, trust_score: int, success_rate: float, feedback: int) -> Rank:
    trust = TRUST_WEIGHT * max(0, min(100, trust_score)) / 100
    evidence = min(1.0, max(0, feedback) / EVIDENCE_FULL_AT)
    success = SUCCESS_WEIGHT * (max(0.0, min(1.0, success_rate)) - 0.5) * evidence
    return Rank(
        similarity=similarity, trust=trust, success=success, total=similarity + trust + success
    )


def match_confidence(similarity: float) -> float:
    """Cosine similarity mapped onto 0..1 from the no-match threshold to a near-paraphrase (0.8)."""
    scaled = (similarity - NO_MATCH_THRESHOLD) / (0.8 - NO_MATCH_THRESHOLD)
    return round(max(0.0, min(1.0, scaled)), 3)
