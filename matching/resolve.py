"""Resolving a need: validating the request, the models its hard constraints leave, and the
ranking of the index's hits into the models to show."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db.models import Q

from core.errors import ApplicationError
from core.time import timestamp
from registry.models import Artifact, ArtifactFacet, Capability

from . import ranking
from .answer import results_build
from .constraints import FilterError, Required, apply_filters, read_constraints
from .embeddings import Embedder, get_embedder
from .index import CapabilityIndex
from .indexing import current_index
from .models import ResolveLog
from .vocabulary import read_as

RESOLVER_VERSION = (
    "registry-resolver/2 (all-MiniLM-L6-v2 embeddings, FAISS inner product, category centroids)"
)
MAX_INTENT_CHARS = 2000
MAX_LIMIT = 50
# Text rows fetched per resolve, before grouping by capability: enough for 50
# results among near ties, few enough that ranking reads few rows.
SEARCH_DEPTH = 150


class ResolveRejected(ApplicationError):
    pass


@dataclass(frozen=True)
class ResolveRequest:
    intent: str
    limit: int
    required: Required


def resolve_request(body: Any) -> ResolveRequest:
    """Validate a resolve body; ResolveRejected names the field."""
    if not isinstance(body, dict):
        raise ResolveRejected("the body must be a JSON object", field="body")
    intent = body.get("intent")
    if intent is None:
        raise ResolveRejected("intent is required", field="intent")
    if not isinstance(intent, str):
        raise ResolveRejected("intent must be a string", field="intent")
    intent = " ".join(intent.split())
    if not intent:
        raise ResolveRejected("intent must not be empty", field="intent")
    if len(intent) > MAX_INTENT_CHARS:
        raise ResolveRejected(
            f"intent is {len(intent)} characters; the limit is {MAX_INTENT_CHARS}", field="intent"
        )
    limit = body.get("limit", 5)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ResolveRejected(f"limit must be an integer from 1 to {MAX_LIMIT}", field="limit")
    try:
        required = apply_filters(read_constraints(intent), body.get("filters"))
    except FilterError as exc:
        raise ResolveRejected(exc.message, field=exc.field) from exc
    return ResolveRequest(intent=intent, limit=limit, required=required)


def _eligible_artifacts(required: Required) -> tuple[Any, str | None]:
    """Artifacts meeting the hard constraints, or the reason none can."""
    artifacts = Artifact.objects.all()
    for kind, modalities in (
        ("input_modality", required.input_modalities),
        ("output_modality", required.output_modalities),
    ):
        for modality in modalities:
            if modality == "text":
                continue
            if not ArtifactFacet.objects.filter(kind=kind, value=modality).exists():
                verb = "accepts" if kind == "input_modality" else "produces"
                noun = (
                    f"{modality} input"
                    if kind == "input_modality"
                    else ("embeddings" if modality == "embeddings" else f"{modality} output")
                )
                return None, f"no registered model {verb} {noun}"
            artifacts = artifacts.filter(facets__kind=kind, facets__value=modality)
    # A passport that does not state its context size or price is not excluded
    # by a limit on it: the answer says the limit could not be checked.
    if required.min_context:
        artifacts = artifacts.filter(
            Q(context_length__gte=required.min_context) | Q(context_length__isnull=True)
        )
    if required.max_prompt_price is not None:
        artifacts = artifacts.filter(
            Q(prompt_price_per_1m__lte=required.max_prompt_price)
            | Q(prompt_price_per_1m__isnull=True)
        )
    if required.open_weights:
        artifacts = artifacts.filter(open_weights=True)
    return artifacts, None


def resolve(
    *, request: ResolveRequest, base_url: str, embedder: Embedder | None = None
) -> dict[str, Any]:
    """Rank the capabilities that fit a need, or say why nothing does; logs the answer."""
    resolve_id = str(uuid.uuid4())
    resolved_at = timestamp(datetime.now(tz=UTC))
    required = request.required
    answer: dict[str, Any] = {
        "resolveId": resolve_id,
        "resolvedAt": resolved_at,
        "resolverVersion": RESOLVER_VERSION,
        "intent": request.intent,
        "readAs": read_as(request.intent),
        "required": required.as_dict(),
        "resolved": [],
        "noMatch": None,
    }
    artifacts, impossible = _eligible_artifacts(required)
    results: list[dict[str, Any]] = []
    if impossible:
        answer["noMatch"] = impossible
    else:
        embedder = embedder or get_embedder()
        index = current_index(embedder=embedder)
        constrained = bool(
            required.input_modalities
            or required.output_modalities
            or required.min_context
            or required.max_prompt_price is not None
            or required.open_weights
        )
        rows = None
        if constrained:
            rows = index.rows_of_artifacts(list(artifacts.values_list("pk", flat=True)))
            if len(rows) == 0:
                answer["noMatch"] = "no registered model meets the constraints: " + "; ".join(
                    required.checks()
                )
        if answer["noMatch"] is None:
            query = embedder.encode([answer["readAs"]])[0]
            hits = index.search(query, k=max(SEARCH_DEPTH, 8 * request.limit), rows=rows)
            ranked, total_fitting = _rank_hits(hits, index, query, request.limit)
            results = results_build(
                ranked=ranked,
                limit=request.limit,
                total_fitting=total_fitting,
                required=required,
                base_url=base_url,
                resolve_id=resolve_id,
            )
            if not results:
                best = hits[0].similarity if hits else 0.0
                answer["noMatch"] = (
                    f"no registered capability is close enough to this need (best similarity {best:.2f}, "
                    f"threshold {ranking.NO_MATCH_THRESHOLD:.2f})"
                )
    answer["resolved"] = results
    ResolveLog.objects.create(
        resolve_id=resolve_id,
        intent=request.intent,
        required=required.as_dict(),
        results=[
            {
                "slug": r["artifact"]["slug"],
                "capability_id": r["capability"]["id"],
                "confidence": r["matchConfidence"],
                "matched_text": r["rank"]["matchedText"],
            }
            for r in results
        ],
        no_match=answer["noMatch"] or "",
    )
    # Outcomes are counted on a cadence (OUTCOMES_INTERVAL_SECONDS, Celery beat), not
    # after each resolve: a passport gets at most one version from them per round.
    return answer


@dataclass(frozen=True)
class Candidate:
    hit: Any  # the capability's best-matching text row
    best_text: float
    mean_text: float
    # The need's similarity to its best category, and that category's name (None: the
    # registry as a whole stood in).
    category: tuple[float, str | None]

    @property
    def similarity(self) -> float:
        return ranking.capability_similarity(
            best_text=self.best_text, mean_text=self.mean_text, category=self.category[0]
        )


def _candidates(
    hits: list[Any], index: CapabilityIndex, query: np.ndarray, limit: int
) -> tuple[dict[int, Candidate], int]:
    """The capabilities that can still reach the top `limit` + 1, and how many models fit at all.

    Hits come most similar first; a model fits when one of its texts clears
    the no-match threshold. Trust and success move a capability by at most
    ranking.MAX_BOOST_SPREAD, so a model whose best capability similarity
    trails the (limit + 1)-th model's by more than that can never be shown:
    its rows are not even read from the database.
    """
    # The index gives each capability's best row once.
    best_hit = {hit.capability: hit for hit in hits if hit.similarity >= ranking.NO_MATCH_THRESHOLD}
    if not best_hit:
        return {}, 0
    means = index.mean_similarities(query, list(best_hit))
    categories = index.category_similarities(query, list(best_hit))
    candidates = {
        pk: Candidate(
            hit=hit, best_text=hit.similarity, mean_text=means[pk], category=categories[pk]
        )
        for pk, hit in best_hit.items()
    }
    best_by_artifact: dict[int, float] = {}
    for candidate in candidates.values():
        artifact = candidate.hit.artifact
        best_by_artifact[artifact] = max(candidate.similarity, best_by_artifact.get(artifact, -1.0))
    fitting = sorted(best_by_artifact.values(), reverse=True)
    cut = fitting[min(limit, len(fitting) - 1)] - ranking.MAX_BOOST_SPREAD
    return (
        {
            pk: candidate
            for pk, candidate in candidates.items()
            if best_by_artifact[candidate.hit.artifact] >= cut
        },
        len(fitting),
    )


# One shown model: its capabilities with their rank, best first.
Ranked = list[tuple[ranking.Rank, Capability, Candidate]]


def _rank_hits(
    hits: list[Any], index: CapabilityIndex, query: np.ndarray, limit: int
) -> tuple[list[Ranked], int]:
    """The top `limit` + 1 models, best first, each with up to four of its capabilities (best
    first), and how many models fit at all. The model after the top `limit` is there for the
    last shown one to be compared with."""
    best_by_capability, total_fitting = _candidates(hits, index, query, limit)
    if not best_by_capability:
        return [], total_fitting
    # Rank on a few plain columns; full rows (JSON lists) only for what is shown.
    facts = {
        pk: (success_rate, feedback, score, slug)
        for pk, success_rate, feedback, score, slug in Capability.objects.filter(
            pk__in=best_by_capability
        ).values_list(
            "pk",
            "success_rate",
            "feedback_count",
            "artifact__trust__score",
            "artifact__slug",
        )
    }
    by_artifact: dict[int, list[tuple[ranking.Rank, int, Candidate]]] = defaultdict(list)
    for pk, candidate in best_by_capability.items():
        if pk not in facts:
            continue
        hit = candidate.hit
        success_rate, feedback, score, _slug = facts[pk]
        scored = ranking.rank(
            best_text=candidate.best_text,
            mean_text=candidate.mean_text,
            category=candidate.category[0],
            trust_score=score or 0,
            success_rate=success_rate,
            feedback=feedback,
        )
        by_artifact[hit.artifact].append((scored, pk, candidate))
    ranked = sorted(
        (sorted(entries, key=lambda e: (-e[0].total, e[1])) for entries in by_artifact.values()),
        key=lambda entries: (-entries[0][0].total, facts[entries[0][1]][3]),
    )
    shown = ranked[: limit + 1]
    wanted = {pk for entries in shown for _rank, pk, _candidate in entries[:4]}
    full = {
        cap.pk: cap
        for cap in Capability.objects.filter(pk__in=wanted).select_related(
            "artifact", "artifact__trust"
        )
    }
    return [[(r, full[pk], c) for r, pk, c in entries[:4]] for entries in shown], total_fitting
