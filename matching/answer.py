"""The answer's JSON for each ranked model: what it is, why it matches the need, how it compares
with the next model, and the token to report back on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings

from registry.invocation import invocation_of
from registry.models import Artifact, Capability

from . import ranking
from .constraints import Required
from .feedback import callback_token
from .indexing import description_sentences
from .listings import endpoints_read, signed_read
from .offers import Offer

if TYPE_CHECKING:
    # Annotations only: shortlist.py reads the database this module formats.
    from .candidates import Candidate
    from .shortlist import Listed, Shortlist


def tied_band(shortlist: Shortlist, limit: int) -> int | None:
    """The first band that holds a shown model and the one after it or another shown one: the
    tie the answer reports (None: the shown models are not tied)."""
    considered = shortlist.models[: limit + 1]
    for model in shortlist.models[:limit]:
        if sum(other.band == model.band for other in considered) >= 2:
            return model.band
    return None


def ties_build(shortlist: Shortlist, limit: int) -> dict[str, Any] | None:
    """The answer's `ties`: how many fitting models share the tied band (shown or not), and the
    keys of ranking.tie_order that ordered them."""
    band = tied_band(shortlist, limit)
    if band is None:
        return None
    return {
        "count": shortlist.band_sizes[band],
        "orderedBy": ranking.ordered_by(shortlist.band_orders[band]),
    }


# How a page or a sentence names each key of ranking.tie_order.
KEY_WORDS = {
    "success": "measured success",
    "probes": "probe results",
    "price": "price",
    "context": "context size",
    "recency": "recency",
    "trust": "trust score",
    "latency": "measured latency",
    "similarity": "similarity",
    "slug": "name",
}


def ties_sentence(ties: dict[str, Any] | None, first: int, shown: int) -> str:
    """The page's words for `ties`; `first` is the position of the first shown tied model and
    `shown` how many shown models are in the band."""
    if not ties:
        return ""
    keys = [KEY_WORDS[k] for k in ties["orderedBy"]]
    order = "ordered by " + ", then ".join(keys) if keys else "in no particular order"
    count = ties["count"]
    if first == 1:
        return f"{count} models fit this need equally well by their descriptions; {order}."
    span = f"Result {first}" if shown == 1 else f"Results {first}–{first + shown - 1}"
    verb = "is one" if shown == 1 else "are"
    return (
        f"{span} {verb} of {count} models that fit this need equally well by their "
        f"descriptions; {order}."
    )


def _fact_words(key: str, facts: ranking.TieFacts) -> str:
    if key == "success":
        if facts.feedback < ranking.MIN_FEEDBACK:
            return "unmeasured"
        return f"{facts.successes / facts.feedback:.0%} of {facts.feedback} reports"
    if key == "probes":
        if facts.probe_runs < ranking.MIN_PROBE_RUNS or facts.probe_pass_rate is None:
            return "unprobed"
        return f"{facts.probe_pass_rate:.0%} of {facts.probe_runs} probes passed"
    if key == "price":
        return "unknown" if facts.prompt_price is None else f"${facts.prompt_price:g} per 1M"
    if key == "context":
        return "unknown" if facts.context_length is None else f"{facts.context_length:,} tokens"
    if key == "recency":
        return "undated" if facts.release_date is None else f"released {facts.release_date}"
    if key == "trust":
        return str(facts.trust_score)
    if key == "latency":
        return "unmeasured" if facts.latency_ms is None else f"p50 {facts.latency_ms:g} ms"
    if key == "similarity":
        return f"{facts.similarity:.4f}"
    return facts.slug


def _similarities(here: float, there: float) -> tuple[str, str]:
    """Both at two places, or three when two would print them equal."""
    for places in (2, 3, 4):
        a, b = f"{there:.{places}f}", f"{here:.{places}f}"
        if a != b:
            return a, b
    return a, b


def vs_alternatives(model: Listed, following: Listed | None, position: int, total: int) -> str:
    ranked = f"Ranked {position} of the {total} closest fitting models"
    if following is None:
        return f"{ranked}; no other model fits as well."
    name = following.artifact.name
    if following.band == model.band:
        key = ranking.deciding_key(model.order, following.order) or "slug"
        return (
            f"{ranked}; it ties with {name} by description (similarity within "
            f"{ranking.TIE_BAND:g} of each other) and goes first by {KEY_WORDS[key]} "
            f"({_fact_words(key, model.facts)} vs {_fact_words(key, following.facts)})."
        )
    there, here = _similarities(model.similarity, following.similarity)
    return (
        f"{ranked}; next is {name} ({following.capabilities[0][1].name}) at similarity "
        f"{there} vs {here} here."
    )


def results_build(
    *,
    shortlist: Shortlist,
    limit: int,
    required: Required,
    base_url: str,
    resolve_id: str,
) -> list[dict[str, Any]]:
    """One result for each of the top `limit` models of the shortlist; a model ranked after
    them appears only in the last result's vsAlternatives."""
    top = shortlist.models[:limit]
    shown = [model.artifact.pk for model in top]
    latest = signed_read(shown, shortlist.kept)
    expires = int(
        (datetime.now(tz=UTC) + timedelta(seconds=settings.MATCH_FEEDBACK_TTL)).timestamp()
    )
    tied = tied_band(shortlist, limit)
    endpoints = endpoints_read(shown, shortlist.kept)
    results = []
    for position, model in enumerate(top):
        scored, cap, candidate = model.capabilities[0]
        hit = candidate.hit
        artifact = model.artifact
        signed = latest.get(artifact.pk)
        passport, signed_at = signed if signed else ({}, None)
        matched_text = _matched_text(cap, hit)
        kind_words = {
            "description": "description",
            "intent": "stated intent",
            "best_for": "best-for line",
            "sentence": "description",
        }[hit.kind]
        following = shortlist.models[position + 1] if position + 1 < len(shortlist.models) else None
        results.append(
            {
                "artifact": {
                    "id": artifact.artifact_id,
                    "slug": artifact.slug,
                    "name": artifact.name,
                    "type": artifact.type,
                    "family": artifact.family or artifact.slug,
                    "url": artifact.url,
                    "verified": artifact.verified,
                },
                "offer": model.offer.as_dict() if model.offer else None,
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
                        f"{_constraint_text(required, artifact, model.offer)}"
                    ),
                    "vsAlternatives": vs_alternatives(
                        model, following, position + 1, shortlist.total_fitting
                    ),
                    "bestFor": cap.best_for,
                    "limitations": cap.limitations,
                },
                # How to call it: one of its endpoints (the offer shown when it can be called).
                "invocation": invocation_of(
                    endpoints.get(artifact.pk, ()), model.offer.id if model.offer else None
                ),
                "trust": {"verified": artifact.verified, "score": artifact.trust.score, **passport},
                "alternatives": [
                    {
                        "capability": {"id": other.capability_id, "name": other.name},
                        "similarity": round(other_rank.similarity, 4),
                    }
                    for other_rank, other, _candidate in model.capabilities[1:]
                ],
                "sameFamily": model.same_family,
                "matchConfidence": ranking.match_confidence(scored.best_text),
                "lastVerified": signed_at,
                "feedbackUrl": f"{base_url}/api/v1/feedback",
                "callbackToken": callback_token(resolve_id, artifact.slug, expires),
                "rank": {
                    **scored.as_dict(),
                    "matchedText": matched_text,
                    "matchedKind": hit.kind,
                    "tied": tied is not None and model.band == tied,
                },
            }
        )
    return results


def _constraint_text(required: Required, artifact: Artifact, offer: Offer | None) -> str:
    checks = required.checks()
    if not checks:
        return "No hard constraints were stated."
    unknown = []
    if (
        required.min_context
        and artifact.context_length is None
        and (offer is None or offer.context_length is None)
    ):
        unknown.append("context size")
    if (
        required.max_prompt_price is not None
        and artifact.prompt_price_per_1m is None
        and (offer is None or offer.prompt_price is None)
    ):
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
