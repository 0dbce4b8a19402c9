from __future__ import annotations

from typing import Any

import pytest

from registry.trust import (
    NO_OUTCOMES,
    UNVERIFIED_BUILDER,
    Evidence,
    derive_fields,
    measured_components,
    trust_score,
)

WEIGHTS = {
    "adoption": 0.35,
    "quality": 0.2,
    "ecosystem": 0.1,
    "match_graph": 0.3,
    "freshness": 0.05,
}


def test_derivation_reproduces_every_seed(seed_documents: dict[str, Any]) -> None:
    for doc in seed_documents.values():
        unfragile = doc["passport"]["unfragile"]
        trust = unfragile["trust"]
        breakdown = trust["rank_breakdown"]
        derived = derive_fields(
            capabilities=unfragile["capabilities"],
            components={k: v for k, v in breakdown.items() if k != "weights"},
            weights=breakdown["weights"],
            verified=trust["verified"],
            observed_matches=trust["observed_outcomes"]["matches"],
        )
        assert derived.score == trust["score"]
        assert derived.permissions == trust["permissions"]
        assert derived.failure_modes == trust["failure_modes"]


@pytest.mark.parametrize(
    ("components", "score"),
    [
        (
            {
                "adoption": 0.05,
                "quality": 0.37,
                "ecosystem": 0.27,
                "match_graph": 0.25,
                "freshness": 0.75,
            },
            23,
        ),
        (
            {
                "adoption": 0.05,
                "quality": 0.39,
                "ecosystem": 0.27,
                "match_graph": 0.25,
                "freshness": 0.9,
            },
            24,
        ),
        # 0.245 exactly: halves round up (binary floats would give 24.499999...)
        ({"adoption": 0.7, "quality": 0, "ecosystem": 0, "match_graph": 0, "freshness": 0}, 25),
        ({"adoption": 1, "quality": 1, "ecosystem": 1, "match_graph": 1, "freshness": 1}, 100),
        ({"adoption": 0, "quality": 0, "ecosystem": 0, "match_graph": 0, "freshness": 0}, 0),
    ],
)
def test_trust_score(components: dict[str, float], score: int) -> None:
    assert trust_score(components, WEIGHTS) == score


def test_status_lines_follow_verification_and_outcomes() -> None:
    caps = [{"limitations": ["slow", "slow", "costly"], "requires": ["key"]}]
    fields = derive_fields(
        capabilities=caps,
        components=dict.fromkeys(WEIGHTS, 0),
        weights=WEIGHTS,
        verified=True,
        observed_matches=3,
    )
    assert fields.failure_modes == ["slow", "costly"]
    fields = derive_fields(
        capabilities=caps,
        components=dict.fromkeys(WEIGHTS, 0),
        weights=WEIGHTS,
        verified=False,
        observed_matches=0,
    )
    assert fields.failure_modes == ["slow", "costly", UNVERIFIED_BUILDER, NO_OUTCOMES]
    many = [{"limitations": [f"l{i}" for i in range(15)], "requires": [f"r{i}" for i in range(15)]}]
    fields = derive_fields(
        capabilities=many,
        components=dict.fromkeys(WEIGHTS, 0),
        weights=WEIGHTS,
        verified=True,
        observed_matches=1,
    )
    assert fields.permissions == [f"r{i}" for i in range(10)]
    assert fields.failure_modes == [f"l{i}" for i in range(10)]


def test_measured_components_without_evidence_use_the_priors() -> None:
    evidence = Evidence(
        community={},
        listing_completeness=0.5,
        probe_pass_rate=None,
        provider_count=1,
        matches=0,
        successes=0,
        days_since_evidence=180,
    )
    assert measured_components(evidence) == {
        "adoption": 0.05,
        "quality": 0.3,
        "ecosystem": 0.23,
        "match_graph": 0.25,
        "freshness": 0.5,
    }
    evidence = Evidence(
        community={"model_downloads": 999_999},
        listing_completeness=1.0,
        probe_pass_rate=0.5,
        provider_count=20,
        matches=16,
        successes=16,
        days_since_evidence=0,
    )
    assert measured_components(evidence) == {
        "adoption": 0.9,
        "quality": 0.7,
        "ecosystem": 1.0,
        "match_graph": 0.85,
        "freshness": 1.0,
    }
