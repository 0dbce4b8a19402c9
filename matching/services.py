"""Index building, resolving a need, recording outcomes and feedback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.errors import ApplicationError, NotFound
from core.time import timestamp
from passports.models import PassportVersion
from passports.selectors import latest_versions
from registry.models import Artifact, ArtifactFacet, Capability, clock_read
from registry.refresh import artifacts_refresh
from registry.trust import artifact_success_rate, capability_success_rate

from . import ranking
from .constraints import FilterError, Required, apply_filters, read_constraints
from .embeddings import Embedder, get_embedder
from .index import CapabilityIndex, prune
from .models import Feedback, ResolveLog, TextEmbedding
from .vocabulary import read_as

logger = logging.getLogger(__name__)

RESOLVER_VERSION = (
    "registry-resolver/2 (all-MiniLM-L6-v2 embeddings, FAISS inner product, category centroids)"
)
MAX_INTENT_CHARS = 2000
MAX_LIMIT = 50
# Text rows fetched per resolve, before grouping by capability: enough for 50
# results among near ties, few enough that ranking reads few rows.
SEARCH_DEPTH = 150
TOP_INTENTS = 5
MAX_SENTENCES = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# ---------------------------------------------------------------- the index


def registry_state() -> str:
    """What the index must reflect: the clock that every write of capability text moves.

    Outcomes (matches, success rates) do not move it: ranking reads those from
    the database on every resolve.
    """
    return f"t{clock_read('capability_texts')}"


def index_folder() -> Path:
    return Path(settings.MATCH_INDEX_DIR)


def _sentences(description: str) -> list[str]:
    """The description's sentences, when it has more than one: each also matches on its own."""
    parts = [p.strip() for p in _SENTENCE_END.split(description) if len(p.strip()) >= 20]
    return parts[:MAX_SENTENCES] if len(parts) > 1 else []


def capability_texts(
    name: str, description: str, intents: list[str], best_for: list[str]
) -> list[tuple[int, int, str]]:
    """(kind, position, text) of one capability: name with description, each intent, each
    best_for line, and each sentence of a description of several sentences."""
    texts = [(0, 0, f"{name}. {description}".strip())]
    texts += [(1, i, text) for i, text in enumerate(intents) if text.strip()]
    texts += [(2, i, text) for i, text in enumerate(best_for) if text.strip()]
    texts += [(3, i, text) for i, text in enumerate(_sentences(description))]
    return texts


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _cached_vectors(hashes: list[bytes], model: str) -> dict[bytes, np.ndarray]:
    found: dict[bytes, np.ndarray] = {}
    for start in range(0, len(hashes), 500):
        chunk = [h.hex() for h in hashes[start : start + 500]]
        for text_hash, vector in TextEmbedding.objects.filter(
            model=model, text_hash__in=chunk
        ).values_list("text_hash", "vector"):
            found[bytes.fromhex(text_hash)] = np.frombuffer(bytes(vector), dtype=np.float32)
    return found


@dataclass(frozen=True)
class BuildReport:
    state: str
    rows: int
    capabilities: int
    encoded: int
    seconds: float


def index_build(
    *, embedder: Embedder | None = None, previous: CapabilityIndex | None = None
) -> tuple[CapabilityIndex, BuildReport]:
    """Build the index of the registry as it is now, encoding only texts never seen before."""
    started = time.perf_counter()
    embedder = embedder or get_embedder()
    state = registry_state()
    rows = Capability.objects.order_by("pk").values_list(
        "pk", "artifact_id", "name", "description", "intents", "best_for", "categories"
    )
    categories: dict[int, list[str]] = {}
    capability_ids: list[int] = []
    artifact_ids: list[int] = []
    kinds: list[int] = []
    positions: list[int] = []
    texts: list[str] = []
    for pk, artifact_id, name, description, intents, best_for, cats in rows.iterator(
        chunk_size=2000
    ):
        if isinstance(cats, list):
            categories[pk] = [c for c in cats if isinstance(c, str) and c]
        for kind, position, text in capability_texts(name, description, intents, best_for):
            capability_ids.append(pk)
            artifact_ids.append(artifact_id)
            kinds.append(kind)
            positions.append(position)
            texts.append(text)
    hashes = [_digest(text) for text in texts]
    vectors: dict[bytes, np.ndarray] = {}
    if previous is not None and previous.model == embedder.name:
        vectors.update(previous.vectors_by_hash())
    missing = list(dict.fromkeys(h for h in hashes if h not in vectors))
    vectors.update(_cached_vectors(missing, embedder.name))
    to_encode = list(dict.fromkeys(h for h in hashes if h not in vectors))
    if to_encode:
        text_of = dict(zip(hashes, texts, strict=True))
        encoded = embedder.encode([text_of[h] for h in to_encode])
        for text_hash, vector in zip(to_encode, encoded, strict=True):
            vectors[text_hash] = vector
        TextEmbedding.objects.bulk_create(
            [
                TextEmbedding(
                    text_hash=h.hex(),
                    model=embedder.name,
                    vector=vectors[h].astype(np.float32).tobytes(),
                )
                for h in to_encode
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
    matrix = (
        np.stack([vectors[h] for h in hashes])
        if hashes
        else np.zeros((0, embedder.dimensions), dtype=np.float32)
    )
    index = CapabilityIndex(
        vectors=matrix,
        capabilities=np.array(capability_ids, dtype=np.int64),
        artifacts=np.array(artifact_ids, dtype=np.int64),
        kinds=np.array(kinds, dtype=np.int8),
        text_indexes=np.array(positions, dtype=np.int32),
        hashes=np.array(hashes, dtype="S32") if hashes else np.zeros(0, dtype="S32"),
        state=state,
        model=embedder.name,
        categories=categories,
    )
    report = BuildReport(
        state=state,
        rows=len(index),
        capabilities=len(set(capability_ids)),
        encoded=len(to_encode),
        seconds=time.perf_counter() - started,
    )
    return index, report


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: CapabilityIndex | None = None


_holder = _Holder()


def index_refresh(*, embedder: Embedder | None = None) -> tuple[CapabilityIndex, BuildReport]:
    """Build, save and keep the index of the current registry state (a worker's and `build_index`'s job)."""
    with _holder.lock:
        index, report = index_build(embedder=embedder, previous=_holder.index)
        index.save(index_folder())
        prune(index_folder(), keep={index.state})
        _holder.index = index
    logger.info(
        "index %s: %d rows, %d capabilities, %d texts encoded in %.1f s",
        report.state,
        report.rows,
        report.capabilities,
        report.encoded,
        report.seconds,
    )
    return index, report


def current_index(*, embedder: Embedder | None = None) -> CapabilityIndex:
    """The index of the registry as it is now: held in memory, else saved by a worker, else built here."""
    state = registry_state()
    held = _holder.index
    if held is not None and held.state == state:
        return held
    with _holder.lock:
        held = _holder.index
        if held is not None and held.state == state:
            return held
        saved = index_folder() / state
        if CapabilityIndex.loadable(saved):
            _holder.index = CapabilityIndex.load(saved)
            return _holder.index
    return index_refresh(embedder=embedder)[0]


def index_forget() -> None:
    """Drop the in-memory index (tests that swap registries)."""
    with _holder.lock:
        _holder.index = None


# ---------------------------------------------------------------- resolving


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


def _callback_token(resolve_id: str, slug: str, expires: int) -> str:
    key = hashlib.sha256(b"callback-token:" + settings.SECRET_KEY.encode()).digest()
    mac = hmac.new(key, f"{resolve_id}|{slug}|{expires}".encode(), hashlib.sha256).digest()
    return f"{expires}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


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
            results = _rank_hits(hits, index, query, request, required, base_url, resolve_id)
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
    if results:
        from .tasks import enqueue_outcomes

        transaction.on_commit(enqueue_outcomes)
    return answer


@dataclass(frozen=True)
class _Candidate:
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
) -> tuple[dict[int, _Candidate], int]:
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
        pk: _Candidate(
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


def _rank_hits(
    hits: list[Any],
    index: CapabilityIndex,
    query: np.ndarray,
    request: ResolveRequest,
    required: Required,
    base_url: str,
    resolve_id: str,
) -> list[dict[str, Any]]:
    best_by_capability, total_fitting = _candidates(hits, index, query, request.limit)
    if not best_by_capability:
        return []
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
    by_artifact: dict[int, list[tuple[ranking.Rank, int, Any]]] = defaultdict(list)
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
    shown = ranked[: request.limit + 1]
    wanted = {pk for entries in shown for _rank, pk, _candidate in entries[:4]}
    full = {
        cap.pk: cap
        for cap in Capability.objects.filter(pk__in=wanted).select_related(
            "artifact", "artifact__trust"
        )
    }
    ordered = [[(r, full[pk], c) for r, pk, c in entries[:4]] for entries in shown]
    top = ordered[: request.limit]
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
        following = ordered[position + 1] if position + 1 < len(ordered) else None
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
                "callbackToken": _callback_token(resolve_id, artifact.slug, expires),
                "rank": {**scored.as_dict(), "matchedText": matched_text, "matchedKind": hit.kind},
            }
        )
    return results


def _category_text(candidate: _Candidate) -> str:
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
        sentences = _sentences(cap.description)
        if hit.text_index < len(sentences):
            return sentences[hit.text_index]
    return cap.name


# ---------------------------------------------------------------- outcomes


def outcomes_apply(*, batch: int = 500) -> int:
    """Count unapplied resolves and feedback into capabilities and trust; sign once per artifact.

    Everything happens in registry.refresh.artifacts_refresh's one transaction:
    the rows are claimed there (locked, skipping rows another applier holds,
    and marked applied), so a failure anywhere leaves them pending and the
    next run counts them exactly once. Returns the number of resolve logs and
    feedback rows applied (0 when none named a capability).
    """
    now = datetime.now(tz=UTC)
    stamp = timestamp(now)
    matched: dict[str, list[tuple[float, str]]] = defaultdict(list)
    judged: dict[str, list[bool]] = defaultdict(list)
    applied = 0

    def claim() -> set[int]:
        nonlocal applied
        logs = _claim_rows(ResolveLog, batch=batch, now=now)
        feedback = _claim_rows(Feedback, batch=batch, now=now)
        for log in logs:
            for result in log.results:
                matched[result["capability_id"]].append(
                    (float(result["confidence"]), result["matched_text"])
                )
        for item in feedback:
            judged[item.capability_id].append(item.outcome == Feedback.Outcome.SUCCESS)
        touched = set(matched) | set(judged)
        applied = len(logs) + len(feedback) if touched else 0
        return set(
            Capability.objects.filter(capability_id__in=touched).values_list(
                "artifact_id", flat=True
            )
        )

    def apply(artifact: Artifact) -> None:
        for cap in Capability.objects.filter(
            artifact=artifact, capability_id__in=set(matched) | set(judged)
        ):
            seen = matched.get(cap.capability_id, [])
            if seen:
                total = cap.avg_confidence * cap.matches + sum(c for c, _t in seen)
                cap.matches += len(seen)
                cap.avg_confidence = round(total / cap.matches, 4)
                cap.top_intents = _merge_top(cap.top_intents, [t for _c, t in seen])
                cap.last_matched_at = stamp
            outcomes = judged.get(cap.capability_id, [])
            if outcomes:
                cap.feedback_count += len(outcomes)
                cap.successes += sum(outcomes)
                cap.success_rate = capability_success_rate(cap)
            cap.save(
                update_fields=[
                    "matches",
                    "avg_confidence",
                    "top_intents",
                    "last_matched_at",
                    "feedback_count",
                    "successes",
                    "success_rate",
                ]
            )
        trust_outcomes_apply(artifact=artifact)

    artifacts_refresh(claim=claim, apply=apply, now=now)
    return applied


def _claim_rows(
    model: type[ResolveLog] | type[Feedback], *, batch: int, now: datetime
) -> list[Any]:
    """Up to `batch` unapplied rows, locked (rows another applier holds are skipped) and
    marked applied. Caller is inside the transaction that applies them."""
    ids = list(
        model.objects.select_for_update(skip_locked=True)
        .filter(applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return []
    # Conditional: on a database without row locks (SQLite) a row another applier
    # took meanwhile is not taken twice.
    model.objects.filter(pk__in=ids, applied_at__isnull=True).update(applied_at=now)
    return list(model.objects.filter(pk__in=ids, applied_at=now).order_by("pk"))


def _merge_top(current: list[str], new: list[str]) -> list[str]:
    """Most-matched intent lines first: new matches move a line up; ties keep the older order."""
    order = {text: i for i, text in enumerate(current)}
    counts = Counter(new)
    ranked = sorted(
        set(current) | set(new), key=lambda t: (-counts.get(t, 0), order.get(t, len(order)))
    )
    return ranked[:TOP_INTENTS]


def trust_outcomes_apply(*, artifact: Artifact) -> None:
    """An artifact's observed outcomes, from its capabilities' measured ones.

    An `apply` step of registry.refresh: the refresh saves the trust row.
    """
    caps = list(Capability.objects.filter(artifact=artifact).order_by("position"))
    trust = artifact.trust
    trust.matches = sum(c.matches for c in caps)
    trust.success_rate = artifact_success_rate(caps, trust.probe_outcomes)
    trust.avg_confidence = (
        round(sum(c.avg_confidence * c.matches for c in caps) / trust.matches, 4)
        if trust.matches
        else 0
    )
    trust.top_intents = _merge_top(
        [], [t for c in caps for t in c.top_intents for _ in range(max(1, c.matches))]
    )
    stamps = [c.last_matched_at for c in caps if c.last_matched_at]
    trust.last_matched_at = max(stamps) if stamps else None
    sources = dict(trust.component_sources or {})
    if trust.matches:
        sources["match_graph"] = "measured"  # evidence replaces the imported value
    trust.component_sources = sources


# ---------------------------------------------------------------- feedback


class FeedbackRejected(ApplicationError):
    pass


def feedback_record(*, body: Any) -> Feedback:
    if not isinstance(body, dict):
        raise FeedbackRejected("the body must be a JSON object", field="body")
    for name in ("resolveId", "slug", "callbackToken", "outcome"):
        if name not in body:
            raise FeedbackRejected(f"{name} is required", field=name)
        if not isinstance(body[name], str) or not body[name]:
            raise FeedbackRejected(f"{name} must be a non-empty string", field=name)
    if body["outcome"] not in ("success", "failure"):
        raise FeedbackRejected("outcome must be 'success' or 'failure'", field="outcome")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        raise FeedbackRejected("note must be a string of at most 2000 characters", field="note")
    try:
        resolve_id = str(uuid.UUID(body["resolveId"]))
    except ValueError as exc:
        raise FeedbackRejected("resolveId is not a resolve id", field="resolveId") from exc
    slug, token = body["slug"], body["callbackToken"]
    expires_text, _dot, _mac = token.partition(".")
    if not expires_text.isdigit() or len(token) > 200:
        raise FeedbackRejected(
            "callbackToken is not valid", code="invalid_token", field="callbackToken", status=403
        )
    expected = _callback_token(resolve_id, slug, int(expires_text))
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise FeedbackRejected(
            "callbackToken is not valid for this resolveId and slug",
            code="invalid_token",
            field="callbackToken",
            status=403,
        )
    if int(expires_text) < time.time():
        raise FeedbackRejected(
            "callbackToken has expired", code="expired_token", field="callbackToken", status=403
        )
    log = ResolveLog.objects.filter(resolve_id=resolve_id).first()
    if log is None:
        raise NotFound("no such resolve", field="resolveId")
    result = next((r for r in log.results if r["slug"] == slug), None)
    if result is None:
        raise FeedbackRejected("this resolve did not return that slug", field="slug")
    try:
        with transaction.atomic():
            item = Feedback.objects.create(
                resolve=log,
                slug=slug,
                capability_id=result["capability_id"],
                outcome=body["outcome"],
                note=note,
            )
    except IntegrityError as exc:
        raise FeedbackRejected(
            "feedback for this resolve and slug was already recorded",
            code="token_used",
            field="callbackToken",
            status=409,
        ) from exc
    from .tasks import enqueue_outcomes

    transaction.on_commit(enqueue_outcomes)
    return item
