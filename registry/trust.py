"""The trust score and the derived fields of a passport: one pure function each.

Rules read off the published passports (shared/SOURCES.md):
- score == round(100 * sum(weights[k] * rank_breakdown[k])), halves rounded up;
- permissions == the first 10 distinct `requires` entries across capabilities;
- failure_modes == the first 10 distinct `limitations` across capabilities,
  then status lines for an unverified builder and for no observed outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

COMPONENTS = ("adoption", "quality", "ecosystem", "match_graph", "freshness")

# Weights per artifact type; every row sums to 1. "model" is what the
# published passports use.
WEIGHTS_BY_TYPE: dict[str, dict[str, float]] = {
    "model": {
        "adoption": 0.35,
        "quality": 0.2,
        "ecosystem": 0.1,
        "match_graph": 0.3,
        "freshness": 0.05,
    },
}
DEFAULT_WEIGHTS = WEIGHTS_BY_TYPE["model"]

UNVERIFIED_BUILDER = "builder identity is not verified yet"
NO_OUTCOMES = "no observed match outcomes yet"
PROBES_PAUSED = "live probes paused by the circuit breaker: an endpoint keeps failing"
STATUS_LINES = (UNVERIFIED_BUILDER, NO_OUTCOMES, PROBES_PAUSED)
DERIVED_LIST_LIMIT = 10


def weights_for(artifact_type: str) -> dict[str, float]:
    return dict(WEIGHTS_BY_TYPE.get(artifact_type, DEFAULT_WEIGHTS))


def trust_score(components: Mapping[str, float], weights: Mapping[str, float]) -> int:
    """round(100 * sum(w * c)), computed in decimal so 24.5 rounds to 25 on every platform."""
    total = sum(
        (
            Decimal(repr(float(weights[name]))) * Decimal(repr(float(components[name])))
            for name in COMPONENTS
        ),
        Decimal(0),
    )
    return int((total * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _first_distinct(lists: Iterable[Sequence[str]], limit: int) -> list[str]:
    seen: list[str] = []
    for items in lists:
        for item in items:
            if item not in seen:
                seen.append(item)
                if len(seen) == limit:
                    return seen
    return seen


@dataclass(frozen=True)
class DerivedFields:
    score: int
    permissions: list[str]
    failure_modes: list[str]


def derive_fields(
    *,
    capabilities: Sequence[Mapping[str, Sequence[str]]],
    components: Mapping[str, float],
    weights: Mapping[str, float],
    verified: bool,
    observed_matches: int,
    probes_paused: bool = False,
) -> DerivedFields:
    """The fields of `trust` that follow from the rest of the passport."""
    failure_modes = _first_distinct(
        (capability.get("limitations", []) for capability in capabilities), DERIVED_LIST_LIMIT
    )
    if not verified:
        failure_modes.append(UNVERIFIED_BUILDER)
    if observed_matches == 0:
        failure_modes.append(NO_OUTCOMES)
    if probes_paused:
        failure_modes.append(PROBES_PAUSED)
    return DerivedFields(
        score=trust_score(components, weights),
        permissions=_first_distinct(
            (capability.get("requires", []) for capability in capabilities), DERIVED_LIST_LIMIT
        ),
        failure_modes=failure_modes,
    )


@dataclass(frozen=True)
class Evidence:
    """What the registry knows about an artifact, for components it measures."""

    community: Mapping[str, int | None]
    listing_completeness: float  # 0..1
    probe_pass_rate: float | None  # 0..1, None when never probed
    provider_count: int
    matches: int
    successes: int
    days_since_evidence: float | None


# A listing with nothing measured gets the same match_graph prior as the
# published passports (0.25); freshness halves every 180 days.
MATCH_GRAPH_PRIOR = 0.25
MATCH_GRAPH_PRIOR_WEIGHT = 4
FRESHNESS_HALF_LIFE_DAYS = 180.0


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 2)


# Probe pass rate with a Beta prior: two virtual runs at 0.5, so one lucky or
# unlucky probe does not swing quality to an extreme.
PROBE_PRIOR = 0.5
PROBE_PRIOR_WEIGHT = 2


def probe_pass_rate(*, passes: int, runs: int) -> float | None:
    """Smoothed share of probes passed in the window; None when never probed."""
    if runs <= 0:
        return None
    return round((passes + PROBE_PRIOR * PROBE_PRIOR_WEIGHT) / (runs + PROBE_PRIOR_WEIGHT), 4)


def observed_success_rate(
    *, successes: int, feedback: int, probe_passes: int, probe_runs: int
) -> float:
    """Success over every observed outcome: user feedback and live probes alike."""
    total = feedback + probe_runs
    return round((successes + probe_passes) / total, 4) if total else 0.0


def probe_figures(probe_outcomes: Mapping[str, Any] | None) -> tuple[int, int]:
    """(passes, runs) of an artifact's live probes, as Trust.probe_outcomes holds them."""
    probed = probe_outcomes or {}
    return int(probed.get("probe_passes") or 0), int(probed.get("probe_runs") or 0)


def capability_success_rate(cap: Any) -> float:
    """A capability's success over its own feedback and probe runs."""
    return observed_success_rate(
        successes=cap.successes,
        feedback=cap.feedback_count,
        probe_passes=cap.probe_passes,
        probe_runs=cap.probe_runs,
    )


def artifact_success_rate(caps: Iterable[Any], probe_outcomes: Mapping[str, Any] | None) -> float:
    """An artifact's success over its capabilities' feedback and its own probe runs."""
    caps = list(caps)
    passes, runs = probe_figures(probe_outcomes)
    return observed_success_rate(
        successes=sum(cap.successes for cap in caps),
        feedback=sum(cap.feedback_count for cap in caps),
        probe_passes=passes,
        probe_runs=runs,
    )


def measured_components(evidence: Evidence) -> dict[str, float]:
    """Each trust component computed from evidence, rounded to two places."""
    downloads = max(
        (value or 0)
        for value in [
            evidence.community.get("weekly_downloads"),
            evidence.community.get("model_downloads"),
            evidence.community.get("stars"),
            0,
        ]
    )
    # log-normalised: 0 -> 0.05, 1e6 -> ~0.9
    adoption = 0.05 + 0.85 * math.log10(1 + downloads) / 6 if downloads else 0.05
    if evidence.probe_pass_rate is None:
        quality = 0.6 * evidence.listing_completeness
    else:
        quality = 0.4 * evidence.listing_completeness + 0.6 * evidence.probe_pass_rate
    ecosystem = math.log(1 + evidence.provider_count) / math.log(1 + 20)
    match_graph = (evidence.successes + MATCH_GRAPH_PRIOR * MATCH_GRAPH_PRIOR_WEIGHT) / (
        evidence.matches + MATCH_GRAPH_PRIOR_WEIGHT
    )
    if evidence.days_since_evidence is None:
        freshness = 0.5
    else:
        freshness = 0.5 ** (max(0.0, evidence.days_since_evidence) / FRESHNESS_HALF_LIFE_DAYS)
    return {
        "adoption": _clamp(adoption),
        "quality": _clamp(quality),
        "ecosystem": _clamp(ecosystem),
        "match_graph": _clamp(match_graph),
        "freshness": _clamp(freshness),
    }


def listing_completeness(
    *, description: str, capabilities: Sequence[Mapping[str, object]], facts_known: int
) -> float:
    """Share of what a complete listing states: prose, capability detail, catalog facts."""
    checks = [len(description) >= 80, len(capabilities) >= 3, facts_known >= 3]
    for capability in capabilities:
        for key in ("description", "intents", "best_for", "limitations", "requires"):
            checks.append(bool(capability.get(key)))
    return sum(checks) / len(checks)
