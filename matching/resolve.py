"""Resolving a need: validating the request, the models its hard constraints leave, and the
ranking of the index's hits into the models to show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q

from core.errors import ApplicationError
from core.time import timestamp
from registry.models import Artifact, ArtifactFacet, ProviderEndpoint
from registry.risk import RISK_LEVELS, risk_condition

from . import ranking
from .answer import results_build, ties_build
from .constraints import ROUTER_TYPE, FilterError, Required, apply_filters, read_constraints
from .embeddings import Embedder, get_embedder
from .indexing import current_index
from .listings import Kept, eligible_read, hidden_read, kept_now
from .models import ResolveLog
from .offers import ENDPOINT_FIELDS, Offer, offer_allowed, offer_meets
from .preferences import PreferenceError, prefer_parse
from .shortlist import shortlist
from .vocabulary import read_as

RESOLVER_VERSION = (
    "registry-resolver/2 (all-MiniLM-L6-v2 embeddings, FAISS inner product, category centroids)"
)
MAX_INTENT_CHARS = 2000
MAX_LIMIT = 50


class ResolveRejected(ApplicationError):
    pass


@dataclass(frozen=True)
class ResolveRequest:
    intent: str
    limit: int
    required: Required
    # unfragile's risk posture (registry.risk): the evidence a model needs to be offered.
    risk: str = "default"


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
    if "prefer" in body:
        try:
            stated = prefer_parse(body["prefer"])
        except PreferenceError as exc:
            raise ResolveRejected(exc.message, field="prefer") from exc
        # Stated in the body first, then any the words add.
        required.prefer = list(dict.fromkeys([*stated, *required.prefer]))
    risk = body.get("risk", "default")
    if risk not in RISK_LEVELS:
        raise ResolveRejected(f"risk must be one of {', '.join(RISK_LEVELS)}", field="risk")
    return ResolveRequest(intent=intent, limit=limit, required=required, risk=risk)


def _qualifying(
    eligible: list[int] | None, required: Required, risk: str
) -> tuple[list[int] | None, str | None]:
    """`eligible` (see _eligible_artifacts) narrowed to the models that qualify at `risk`."""
    if risk == "default":
        return eligible, None
    qualifying = Artifact.objects.filter(risk_condition(risk), merged_into__isnull=True).order_by()
    if eligible is not None:
        qualifying = qualifying.filter(pk__in=eligible)
    elif not required.routers:
        qualifying = qualifying.exclude(type=ROUTER_TYPE)
    pks = list(qualifying.values_list("pk", flat=True))
    return pks, None if pks else f"no registered model that fits qualifies at risk level {risk}"


# SQLite stores a decimal as a REAL and keeps 15 significant digits of it. A price under 10**9
# has at most 15 (the columns keep 6 decimal places), and so does a ceiling _exact_ceiling
# accepts: such a price compares with such a ceiling exactly in SQLite, as in PostgreSQL's
# numeric (distinct 15-digit decimals are distinct doubles, and rounding keeps their order).
# Without it, a model priced at the very ceiling ("under $0.50" and a price of 0.5, a common
# one) fell within the margin below and was read and checked in Python: 3,545 of 25,000 in
# bench/resolve_latency.py's registry, most of a 120 ms resolve.
EXACT_PRICE_BELOW = Decimal(10**9)


def _exact_ceiling(ceiling: Decimal) -> bool:
    return abs(ceiling) < EXACT_PRICE_BELOW and len(ceiling.normalize().as_tuple().digits) <= 15


def _meets(required: Required, prefix: str = "", *, loose: bool) -> Q:
    """offers.offer_meets (unknown values passing) as SQL, price compared with a margin (the
    databases compare decimals as floats): loose, every offer that meets it passes and maybe a
    few more; not loose, only offers that meet it pass, maybe not all of them."""
    condition = Q()
    ceiling = required.max_prompt_price
    if ceiling is not None:
        price = f"{prefix}prompt_price_per_1m"
        if _exact_ceiling(ceiling):
            within = Q(**{f"{price}__lte": ceiling})
            if not loose:  # a price SQLite may have rounded is not surely within
                within &= Q(**{f"{price}__lt": EXACT_PRICE_BELOW})
        else:
            margin = Decimal("0.01") + abs(ceiling) * Decimal("1e-9")
            within = Q(**{f"{price}__lte": ceiling + margin if loose else ceiling - margin})
        condition &= within if ceiling == 0 else within | Q(**{f"{price}__isnull": True})
    if required.min_context:
        context = f"{prefix}context_length"
        condition &= Q(**{f"{context}__isnull": True}) | Q(
            **{f"{context}__gte": required.min_context}
        )
    return condition


def _offers_fitting(artifacts: Any, required: Required) -> list[int]:
    """The artifacts (of the given queryset) that meet the need's offer limits, themselves or
    through one of their offers (offers.model_fits): a model fits when one offer (itself, or
    one of its endpoints) does, so each offer is decided alone.

    The database decides the models whose own price and context surely meet the limits and
    reads only their keys, and reads the endpoints that may meet them (_meets, loose), which
    are checked one by one. A model's own values are read and checked only when its price may
    lie within the margin of a ceiling that SQL cannot compare exactly (_exact_ceiling). At
    25,000 listings, reading every listing that might fit, and all its offers, took 100 ms."""
    fitting: set[int] = set()
    offer_filtered = required.variant is not None or required.free is not None
    if not offer_filtered:  # otherwise one of its endpoints must fit (model_fits)
        fitting.update(artifacts.filter(_meets(required, loose=False)).values_list("pk", flat=True))
        ceiling = required.max_prompt_price
        if ceiling is not None and not _exact_ceiling(ceiling):
            near = artifacts.filter(_meets(required, loose=True)).values_list(
                "pk", "slug", "prompt_price_per_1m", "completion_price_per_1m", "context_length"
            )
            for pk, slug, prompt, completion, context in near:
                own = Offer(
                    id=slug,
                    provider="",
                    variant="",
                    free=prompt == 0 and completion == 0,
                    prompt_price=prompt,
                    completion_price=completion,
                    context_length=context,
                )
                if pk not in fitting and offer_meets(own, required):
                    fitting.add(pk)
    endpoints = ProviderEndpoint.objects.filter(
        _meets(required, loose=True), artifact__in=artifacts
    )
    if required.variant is not None:
        endpoints = endpoints.filter(variant=required.variant)
    if required.free is not None:
        endpoints = endpoints.filter(free=required.free)
    for values in endpoints.order_by().values(*ENDPOINT_FIELDS):
        if values["artifact_id"] not in fitting:
            offer = Offer.from_values(values)
            if offer_allowed(offer, required) and offer_meets(offer, required):
                fitting.add(values["artifact_id"])
    return sorted(fitting)


def _constraints(required: Required) -> tuple[Any, ...]:
    """The values of the hard constraints _eligible_artifacts decides by (a key)."""
    return (
        tuple(required.input_modalities),
        tuple(required.output_modalities),
        required.min_context,
        required.max_prompt_price,
        required.open_weights,
        required.type,
        required.routers,
        required.variant,
        required.free,
    )


def _eligible_artifacts(
    required: Required, kept: Kept | None = None
) -> tuple[list[int] | None, str | None]:
    """The artifacts meeting the hard constraints (None: every listed model but routers,
    see _hidden_artifacts), or the reason none can: kept per process under the clocks of
    every row they depend on (listings.eligible_read). At 100,000 capabilities deciding a
    price ceiling or a context minimum reads 6,000 to 14,000 keys: 10 to 24 ms."""
    return eligible_read(
        _constraints(required),
        kept or kept_now(),
        lambda among: _eligible_decide(required, among),
    )


def _eligible_decide(
    required: Required, among: list[int] | None = None
) -> tuple[list[int] | None, str | None]:
    """_eligible_artifacts from the database; with `among`, which of those models meet the
    constraints (listings.eligible_read updates a kept set with it), or the reason none
    can at all."""
    constrained = bool(
        required.input_modalities
        or required.output_modalities
        or required.offer_constrained
        or required.open_weights
        or required.type
    )
    if not constrained:
        return None, None
    # No ORDER BY (the model orders by slug): a set of keys, thousands of them at scale.
    artifacts = Artifact.objects.filter(merged_into__isnull=True).order_by()
    if required.type:
        artifacts = artifacts.filter(type=required.type)
        if not artifacts.exists():
            return [], f"no registered listing is a {required.type}"
    elif not required.routers:
        artifacts = artifacts.exclude(type=ROUTER_TYPE)
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
                return [], f"no registered model {verb} {noun}"
            artifacts = artifacts.filter(facets__kind=kind, facets__value=modality)
    if (
        required.variant is not None
        and not ProviderEndpoint.objects.filter(variant=required.variant).exists()
    ):
        return [], f"no registered model has a {required.variant!r} offer"
    if required.open_weights:
        artifacts = artifacts.filter(open_weights=True)
    if among is not None:
        artifacts = artifacts.filter(pk__in=among)
    if required.offer_constrained:
        return _offers_fitting(artifacts, required), None
    return list(artifacts.values_list("pk", flat=True)), None


def _hidden_artifacts(required: Required, kept: Kept) -> list[int]:
    """Listings a resolve never returns unasked: merged ones, and routers unless the need asks
    (kept under the list clock: listings.hidden_read)."""
    return hidden_read(required.routers, kept, lambda: _hidden_decide(required))


def _hidden_decide(required: Required) -> list[int]:
    """_hidden_artifacts from the database."""
    listings = Artifact.objects.order_by()  # a compound query's parts take no ORDER BY
    hidden = listings.filter(merged_into__isnull=False).values_list("pk", flat=True)
    if not required.routers:
        # A UNION of one query per condition: each reads its own index. With OR, SQLite
        # scanned the whole table (9 ms at 25,000 listings, 0.02 ms this way).
        routers = listings.filter(type=ROUTER_TYPE).values_list("pk", flat=True)
        hidden = hidden.union(routers)
    return list(hidden)


def resolve(
    *,
    request: ResolveRequest,
    base_url: str,
    embedder: Embedder | None = None,
    client_key: str = "",
) -> dict[str, Any]:
    """Rank the capabilities that fit a need, or say why nothing does; logs the answer
    with `client_key` (api.throttling.client_key), which feedback on it is counted by."""
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
        "ties": None,
        "noMatch": None,
    }
    kept = kept_now()  # what this process keeps of the registry as it is now
    eligible, impossible = _eligible_artifacts(required, kept)
    if not impossible:
        eligible, impossible = _qualifying(eligible, required, request.risk)
    results: list[dict[str, Any]] = []
    if impossible:
        answer["noMatch"] = impossible
    else:
        embedder = embedder or get_embedder()
        index = current_index(embedder=embedder)
        rows = None
        if eligible is not None:
            rows = index.rows_of_artifacts(eligible)
            if len(rows) == 0:
                answer["noMatch"] = "no registered model meets the constraints: " + "; ".join(
                    required.checks()
                )
        elif hidden := _hidden_artifacts(required, kept):
            rows = index.rows_without_artifacts(hidden)
        if answer["noMatch"] is None:
            query = embedder.encode([answer["readAs"]])[0]
            found = shortlist(
                index=index,
                query=query,
                rows=rows,
                limit=request.limit,
                need=request.intent,
                required=required,
                registry=kept,
            )
            results = results_build(
                shortlist=found,
                limit=request.limit,
                required=required,
                base_url=base_url,
                resolve_id=resolve_id,
            )
            answer["ties"] = ties_build(found, request.limit)
            if not results:
                best = index.search(query, k=1, rows=rows)
                similarity = best[0].similarity if best else 0.0
                answer["noMatch"] = (
                    f"no registered capability is close enough to this need (best similarity "
                    f"{similarity:.2f}, threshold {ranking.NO_MATCH_THRESHOLD:.2f})"
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
        client_key=client_key,
    )
    # Outcomes are counted on a cadence (OUTCOMES_INTERVAL_SECONDS, Celery beat), not
    # after each resolve: a passport gets at most one version from them per round.
    return answer
