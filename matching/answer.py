"""The answer's JSON for each ranked model: what it is, why it matches the need, how it compares
with the next model, and the token to report back on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings

from passports.models import PassportVersion
from passports.selectors import latest_versions
from registry.models import Artifact, Capability

from . import ranking
from .constraints import Required
from .feedback import callback_token
from .indexing import description_sentences

if TYPE_CHECKING:
    # Annotations only: resolve.py imports this module.
    from .resolve import Candidate, Ranked


def results_build(
    *,
    ranked: list[Ranked],
    limit: int,
    total_fitting: int,
    required: Required,
    base_url: str,
    resolve_id: str,
) -> list[dict[str, Any]]:
    """One result for each of the top `limit` models of `ranked`; a model ranked after them
    appears only in the last result's vsAlternatives."""
    top = ranked[:limit]
    latest: dict[int, PassportVersion] = {
        version.artifact_id: version
        for version in latest_versions([entries[0][1].artifact_id for entries in top])
    }
    expires = int(
        (datetime.now(tz=UTC) + timedelta(seconds=settings.MATCH_FEEDBACK_TTL)).timestamp()
    )
    results = []
    for position, entries in enumerate(top):
        scored, cap, candidate = entries[0]
        hit = candidate.hit
        artifact = cap.artifact
        signed = latest.get(artifact.pk)
        passport = signed.passport() if signed else {}
        matched_text = _matched_text(cap, hit)
        kind_words = {
            "description": "description",
            "intent": "stated intent",
            "best_for": "best-for line",
            "sentence": "description",
        }[hit.kind]
        following = ranked[position + 1] if position + 1 < len(ranked) else None
        if following is not None:
            nxt = following[0]
            vs = (
                f"Ranked {position + 1} of the {total_fitting} closest fitting models; next is {nxt[1].artifact.name} "
                f"({nxt[1].name}) at similarity {nxt[0].similarity:.2f} vs {scored.similarity:.2f} here."
            )
        else:
            vs = f"Ranked {position + 1} of the {total_fitting} closest fitting models; no other model fits as well."
        results.append(
            {
                "artifact": {
                    "id": artifact.artifact_id,
                    "slug": artifact.slug,
                    "name": artifact.name,
                    "type": artifact.type,
                    "url": artifact.url,
                    "verified": artifact.verified,
                },
                "capability": {
                    "id": cap.capability_id,
                    "name": cap.name,
                    "intent": matched_text
                    if hit.kind == "intent"
                    else (cap.intents[0] if cap.intents else ""),
                    "description": cap.description,
                    "whyThisMatches": (
                        f'Your need is closest to its {kind_words} "{matched_text}" '
                        f"(cosine similarity {scored.best_text:.2f}; {scored.mean_text:.2f} on "
                        f"average over all its texts){_category_text(candidate)}. "
                        f"{_constraint_text(required, artifact)}"
                    ),
                    "vsAlternatives": vs,
                    "bestFor": cap.best_for,
                    "limitations": cap.limitations,
                },
                "trust": {"verified": artifact.verified, "score": artifact.trust.score, **passport},
                "alternatives": [
                    {
                        "capability": {"id": other.capability_id, "name": other.name},
                        "similarity": round(other_rank.similarity, 4),
                    }
                    for other_rank, other, _candidate in entries[1:4]
                ],
                "matchConfidence": ranking.match_confidence(scored.best_text),
                "lastVerified": signed.signed_at if signed else None,
                "feedbackUrl": f"{base_url}/api/v1/feedback",
                "callbackToken": callback_token(resolve_id, artifact.slug, expires),
                "rank": {**scored.as_dict(), "matchedText": matched_text, "matchedKind": hit.kind},
            }
        )
    return results


def _constraint_text(required: Required, artifact: Artifact) -> str:
    checks = required.checks()
    if not checks:
        return "No hard constraints were stated."
    unknown = []
    if required.min_context and artifact.context_length is None:
        unknown.append("context size")
    if required.max_prompt_price is not None and artifact.prompt_price_per_1m is None:
        unknown.append("prompt price")
    text = "Checked: " + "; ".join(checks) + "."
    if unknown:
        text += f" Its passport does not state its {' or '.join(unknown)}, so that was not checked."
    return text


def _category_text(candidate: Candidate) -> str:
    similarity, name = candidate.category
    if name is None:
        return ""
    return f'; its category "{name}" as a whole scores {similarity:.2f}'


def _matched_text(cap: Capability, hit: Any) -> str:
    if hit.kind == "intent":
        return str(cap.intents[hit.text_index])
    if hit.kind == "best_for":
        return str(cap.best_for[hit.text_index])
    if hit.kind == "sentence":
        sentences = description_sentences(cap.description)
        if hit.text_index < len(sentences):
            return sentences[hit.text_index]
    return cap.name
