"""The ranking formula: pure functions, with the breakdown every answer shows.

A capability's similarity to a need blends its best-matching text with all of
its texts, so one lucky generic line ("deploy a capable language model") does
not beat a capability whose texts agree with the need throughout:
    similarity = 0.5 * best_text + 0.5 * mean_text
Similarity decides; trust and measured success only break near ties:
    total = similarity + 0.05 * score/100 + 0.05 * (success_rate - 0.5) * evidence
where evidence = min(1, feedback/20) grows with the outcomes actually measured,
so an unmeasured capability is neither helped nor hurt by its success rate.

On tests/matching/dev_set.json (seeds, 52 needs) the blend lifts P@1 from 0.79
(best text alone) to 0.87; with the vocabulary (matching/vocabulary.py) to 0.96.
"""

from __future__ import annotations

from dataclasses import dataclass

BEST_TEXT_WEIGHT = 0.5
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


def capability_similarity(*, best_text: float, mean_text: float) -> float:
    return BEST_TEXT_WEIGHT * best_text + (1 - BEST_TEXT_WEIGHT) * mean_text


@dataclass(frozen=True)
class Rank:
    best_text: float
    mean_text: float
    similarity: float
    trust: float
    success: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {
            "bestText": round(self.best_text, 4),
            "meanText": round(self.mean_text, 4),
            "similarity": round(self.similarity, 4),
            "trust": round(self.trust, 4),
            "success": round(self.success, 4),
            "total": round(self.total, 4),
        }


def rank(
    *, best_text: float, mean_text: float, trust_score: int, success_rate: float, feedback: int
) -> Rank:
    similarity = capability_similarity(best_text=best_text, mean_text=mean_text)
    trust = TRUST_WEIGHT * max(0, min(100, trust_score)) / 100
    evidence = min(1.0, max(0, feedback) / EVIDENCE_FULL_AT)
    success = SUCCESS_WEIGHT * (max(0.0, min(1.0, success_rate)) - 0.5) * evidence
    return Rank(
        best_text=best_text,
        mean_text=mean_text,
        similarity=similarity,
        trust=trust,
        success=success,
        total=similarity + trust + success,
    )


def match_confidence(similarity: float) -> float:
    """Cosine similarity mapped onto 0..1 from the no-match threshold to a near-paraphrase (0.8)."""
    scaled = (similarity - NO_MATCH_THRESHOLD) / (0.8 - NO_MATCH_THRESHOLD)
    return round(max(0.0, min(1.0, scaled)), 3)
