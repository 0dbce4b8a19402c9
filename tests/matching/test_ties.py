"""Ties, offers, routers, families and preferences (issue 13, part 4): pure functions first,
then resolves over listings made row by row and the word embedder (tests/matching/listings.py),
where models with the same text tie exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import ranking
from matching.constraints import Required, read_constraints
from matching.models import ResolveLog
from matching.offers import Offer, offer_choose
from matching.shortlist import family_named

from .listings import CONTRACTS, listing


def test_tie_bands_are_measured_from_the_best_of_each_band() -> None:
    # 0.596 is within 0.005 of 0.600, 0.594 is not: it starts the next band, which 0.590
    # joins; a slope of small steps does not chain into one band.
    assert ranking.tie_bands([0.600, 0.598, 0.596, 0.594, 0.590, 0.588, 0.586]) == [
        0,
        0,
        0,
        1,
        1,
        2,
        2,
    ]
    assert ranking.tie_bands([]) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(min_value=0.2, max_value=1.0),
            # Steps of exactly the band's width, and values a float's rounding apart.
            st.integers(min_value=40, max_value=200).map(lambda n: n * ranking.TIE_BAND),
            st.sampled_from([0.6, 0.595, 0.5950000000000001, 0.59, 0.5899999999999999]),
        ),
        max_size=60,
    )
)
def test_bands_of_sorted_arrays_are_the_bands_of_the_list(values: list[float]) -> None:
    """shortlist._rank bands thousands of models at once (tie_bands_sorted): the same bands
    as a loop over the models, for any similarities in order, best first."""
    ordered = sorted(values, reverse=True)
    assert ranking.tie_bands_sorted(np.array(ordered, dtype=np.float64)).tolist() == (
        _bands_one_by_one(ordered)
    )


def _bands_one_by_one(similarities: list[float]) -> list[int]:
    """The bands by their definition, one model at a time (the reference)."""
    bands: list[int] = []
    floor = None
    for similarity in similarities:
        if floor is None or similarity < floor:
            bands.append(bands[-1] + 1 if bands else 0)
            floor = similarity - ranking.TIE_BAND
        else:
            bands.append(bands[-1])
    return bands


def _facts(slug: str, **more: Any) -> ranking.TieFacts:
    return ranking.TieFacts(slug=slug, **more)


def _sorted(facts: list[ranking.TieFacts], prefer: list[str]) -> list[str]:
    return [f.slug for f in sorted(facts, key=lambda f: ranking.tie_order(f, prefer))]


def test_tie_order_evidence_then_preference_then_trust_then_recency() -> None:
    facts = [
        _facts("a-old-trusted", trust_score=90, release_date=date(2024, 1, 1), prompt_price=5.0),
        _facts("b-new-trusted", trust_score=90, release_date=date(2025, 6, 1), prompt_price=9.0),
        _facts("c-cheap", trust_score=40, prompt_price=0.1),
        # Nine of ten reports say it worked: ahead of everything unmeasured.
        _facts("d-works", trust_score=10, feedback=10, successes=9, prompt_price=20.0),
        # Two of ten: behind everything unmeasured.
        _facts("e-fails", trust_score=99, feedback=10, successes=2, prompt_price=0.0),
        # Four reports are not enough to count.
        _facts("f-few-reports", trust_score=20, feedback=4, successes=4),
    ]
    assert _sorted(facts, []) == [
        "d-works",
        "b-new-trusted",
        "a-old-trusted",
        "c-cheap",
        "f-few-reports",
        "e-fails",
    ]
    assert _sorted(facts, ["price"]) == [
        "d-works",
        "c-cheap",
        "a-old-trusted",
        "b-new-trusted",
        "f-few-reports",  # no price stated: after those that state one
        "e-fails",
    ]
    orders = [ranking.tie_order(f, []) for f in facts]
    orders.sort()
    assert ranking.ordered_by(orders) == ["success", "trust", "recency"]
    assert ranking.tie_keys(["recency", "price"]) == [
        "success",
        "probes",
        "recency",
        "price",
        "trust",
        "similarity",
        "slug",
    ]


def test_probe_latency_and_context_preferences() -> None:
    facts = [
        _facts("slow", latency_ms=900.0, context_length=1_000_000),
        _facts("fast", latency_ms=120.0, context_length=8_000),
        _facts("unmeasured"),
        _facts("probed-failing", probe_runs=10, probe_pass_rate=0.3, latency_ms=50.0),
    ]
    assert _sorted(facts, ["latency"]) == ["fast", "slow", "unmeasured", "probed-failing"]
    assert _sorted(facts, ["context"]) == ["slow", "fast", "unmeasured", "probed-failing"]


def _offer(variant: str, prompt: str | None, *, context: int | None = 100_000) -> Offer:
    return Offer(
        id=f"m:{variant}" if variant else "m",
        provider="openrouter",
        variant=variant,
        free=prompt == "0",
        prompt_price=None if prompt is None else Decimal(prompt),
        completion_price=None if prompt is None else Decimal(prompt),
        context_length=context,
    )


OFFERS = [
    _offer("", "3"),
    _offer("batch", "1.5"),
    _offer("free", "0", context=32_000),
    _offer("extended", "6", context=1_000_000),
]


@pytest.mark.parametrize(
    ("need", "filters", "expected"),
    [
        ("summarize contracts", {}, "m"),
        ("a free model to summarize contracts", {}, "m:free"),
        ("summarize contracts under $2 per 1M tokens", {}, "m:free"),
        ("summarize contracts under $2 per 1M tokens", {"free": False}, "m:batch"),
        ("summarize a 200-page contract", {}, "m"),
        ("summarize a 1000-page contract", {}, "m:extended"),
        ("the cheapest model to summarize contracts", {}, "m:free"),
        ("summarize contracts, longest context window", {}, "m:extended"),
        ("summarize contracts", {"variant": "batch"}, "m:batch"),
        ("summarize contracts", {"variant": "thinking"}, None),
    ],
)
def test_the_offer_shown(need: str, filters: dict[str, Any], expected: str | None) -> None:
    required = read_constraints(need)
    required.variant = filters.get("variant")
    required.free = filters.get("free")
    chosen = offer_choose(OFFERS, required)
    assert (chosen.id if chosen else None) == expected


def test_offer_as_answered() -> None:
    assert OFFERS[2].as_dict() == {
        "id": "m:free",
        "provider": "openrouter",
        "variant": "free",
        "free": True,
        "prompt_usd_per_1m_tokens": 0.0,
        "completion_usd_per_1m_tokens": 0.0,
        "context_length": 32_000,
    }
    assert offer_choose([], Required()) is None


@pytest.mark.parametrize(
    ("need", "prefer"),
    [
        ("the cheapest model that summarizes contracts", ["price"]),
        ("a cheap, low latency chatbot", ["price", "latency"]),
        ("fastest model with the biggest context window", ["latency", "context"]),
        ("the newest and most trusted model for code", ["recency", "trust"]),
        ("summarize with the latest model", ["recency"]),
        ("low cost summaries", ["price"]),
        # News is not a model, and a fast food menu is no preference.
        ("summarize the latest news", []),
        ("translate a fast food menu", []),
    ],
)
def test_preferences_read_from_words(need: str, prefer: list[str]) -> None:
    assert read_constraints(need).prefer == prefer


@pytest.mark.parametrize(
    ("family", "need", "named"),
    [
        ("anthropic/claude-opus", "summarize contracts with claude opus", True),
        ("anthropic/claude-opus", "Claude-Opus for contracts", True),
        ("anthropic/claude-opus", "summarize contracts with claude", False),
        ("anthropic/claude-opus", "anthropic models for contracts", False),
        ("google/gemini-flash", "is gemini flash good at charts", True),
    ],
)
def test_a_need_names_a_family_by_its_model_words(family: str, need: str, named: bool) -> None:
    assert family_named(family, need) is named


def resolve(api: Any, intent: str, **more: Any) -> dict[str, Any]:
    response = api.post("/api/v1/resolve", {"intent": intent, **more}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def slugs(answer: dict[str, Any]) -> list[str]:
    return [r["artifact"]["slug"] for r in answer["resolved"]]


def test_routers_are_left_out_unless_asked(words: Any, api: Any) -> None:
    listing("model-a", trust=60)
    listing("model-b", trust=50)
    listing("auto-router", type="router", trust=99)
    assert slugs(resolve(api, CONTRACTS)) == ["model-a", "model-b"]
    answer = resolve(api, CONTRACTS, filters={"type": "router"})
    assert (slugs(answer), answer["required"]["type"]) == (["auto-router"], "router")
    answer = resolve(api, f"a router that picks the model for each prompt: {CONTRACTS}")
    assert slugs(answer) == ["auto-router", "model-a", "model-b"]
    assert answer["required"]["understood"] == ["routers included (from 'router')"]
    answer = resolve(api, CONTRACTS, filters={"type": "dataset"})
    assert answer["noMatch"] == "no registered listing is a dataset"


def test_merged_listings_never_appear(words: Any, api: Any) -> None:
    kept = listing("model-a", price="1", offers=[{"prompt_price_per_1m": "1"}])
    listing("model-a-batch", trust=99, merged_into=kept)
    listing("model-a-free", trust=99, merged_into=kept, price="0")
    assert slugs(resolve(api, CONTRACTS)) == ["model-a"]
    assert slugs(resolve(api, CONTRACTS, filters={"type": "model"})) == ["model-a"]
    answer = resolve(api, f"a free model to {CONTRACTS}")
    assert (answer["resolved"], answer["noMatch"]) == (
        [],
        "no registered model meets the constraints: prompt price at most $0 per 1M tokens",
    )


def test_ties_are_reported_and_ordered_by_trust_then_recency(words: Any, api: Any) -> None:
    listing("old-trusted", trust=80, released=date(2024, 3, 1))
    listing("new-trusted", trust=80, released=date(2025, 3, 1))
    listing("less-trusted", trust=40, released=date(2026, 1, 1))
    listing("undated", trust=80)
    # Shares three of the need's words: close, but not tied.
    listing("letters", text="Summarize legal letters and contracts", trust=100)
    answer = resolve(api, CONTRACTS, limit=2)
    assert slugs(answer) == ["new-trusted", "old-trusted"]
    assert answer["ties"] == {"count": 4, "orderedBy": ["trust", "recency"]}
    assert [r["rank"]["tied"] for r in answer["resolved"]] == [True, True]
    assert answer["resolved"][0]["capability"]["vsAlternatives"] == (
        "Ranked 1 of the 5 closest fitting models; it ties with Old Trusted by description "
        "(similarity within 0.005 of each other) and goes first by recency "
        "(released 2025-03-01 vs released 2024-03-01)."
    )
    answer = resolve(api, CONTRACTS, limit=5)
    assert slugs(answer) == ["new-trusted", "old-trusted", "undated", "less-trusted", "letters"]
    fourth = answer["resolved"][3]["capability"]["vsAlternatives"]
    assert fourth == (
        "Ranked 4 of the 5 closest fitting models; next is Letters (Summarize legal letters and "
        "contracts) at similarity 0.70 vs 0.86 here."
    )


def test_untied_results_report_no_tie(words: Any, api: Any) -> None:
    listing("contracts", trust=10)
    listing("letters", text="Summarize legal letters and contracts", trust=100)
    answer = resolve(api, CONTRACTS)
    assert (slugs(answer), answer["ties"]) == (["contracts", "letters"], None)
    assert answer["required"]["prefer"] == []


def test_measured_success_goes_first_among_ties(words: Any, api: Any) -> None:
    listing("trusted", trust=90)
    listing("works", trust=10, feedback=(9, 10))
    listing("fails", trust=95, feedback=(1, 10))
    answer = resolve(api, CONTRACTS)
    assert slugs(answer) == ["works", "trusted", "fails"]
    assert answer["ties"] == {"count": 3, "orderedBy": ["success"]}
    assert answer["resolved"][0]["capability"]["vsAlternatives"].endswith(
        "goes first by measured success (90% of 10 reports vs unmeasured)."
    )


def test_prefer_price_orders_ties_by_the_offer_shown(words: Any, api: Any) -> None:
    listing("pricey", trust=90, offers=[{"prompt_price_per_1m": "15"}])
    listing(
        "batch-cheap",
        trust=50,
        offers=[{"prompt_price_per_1m": "4"}, {"variant": "batch", "prompt_price_per_1m": "0.5"}],
    )
    listing("no-price", trust=95)
    answer = resolve(api, CONTRACTS)
    assert slugs(answer) == ["no-price", "pricey", "batch-cheap"]
    assert answer["resolved"][2]["offer"]["id"] == "batch-cheap"  # the model itself
    for answer in (
        resolve(api, CONTRACTS, prefer="price"),
        resolve(api, f"the cheapest model to {CONTRACTS}"),
    ):
        assert answer["required"]["prefer"] == ["price"]
        assert slugs(answer) == ["batch-cheap", "pricey", "no-price"]
        assert answer["resolved"][0]["offer"] == {
            "id": "batch-cheap:batch",
            "provider": "openrouter",
            "variant": "batch",
            "free": False,
            "prompt_usd_per_1m_tokens": 0.5,
            "completion_usd_per_1m_tokens": None,
            "context_length": None,
        }
        assert answer["ties"] == {"count": 3, "orderedBy": ["price"]}
    answer = resolve(api, f"the cheapest model to {CONTRACTS}", prefer=["trust", "latency"])
    assert answer["required"]["prefer"] == ["trust", "latency", "price"]
    assert slugs(answer) == ["no-price", "pricey", "batch-cheap"]


def test_latency_preference_reads_measured_probes(words: Any, api: Any) -> None:
    listing("slow", trust=90, probe_outcomes={"probe_latency_p50_ms": 2400})
    listing("quick", trust=10, probe_outcomes={"probe_latency_p50_ms": 300})
    listing("unprobed", trust=95)
    answer = resolve(api, f"the fastest model to {CONTRACTS}")
    assert (answer["required"]["prefer"], slugs(answer)) == (
        ["latency"],
        ["quick", "slow", "unprobed"],
    )


def test_a_free_need_gets_the_free_offer(words: Any, api: Any) -> None:
    listing(
        "has-free",
        trust=20,
        price="3",
        offers=[
            {"prompt_price_per_1m": "3", "completion_price_per_1m": "15"},
            {
                "variant": "free",
                "free": True,
                "prompt_price_per_1m": "0",
                "completion_price_per_1m": "0",
                "context_length": 32_000,
            },
        ],
    )
    listing("paid-only", trust=90, price="3", offers=[{"prompt_price_per_1m": "3"}])
    # No price stated anywhere: not known to be free, so not offered as free (a price
    # ceiling above zero still lets an unstated price through, and says so).
    listing("price-unknown", trust=95)
    answer = resolve(api, f"a free model to {CONTRACTS}")
    assert slugs(answer) == ["has-free"]
    assert answer["resolved"][0]["offer"] == {
        "id": "has-free:free",
        "provider": "openrouter",
        "variant": "free",
        "free": True,
        "prompt_usd_per_1m_tokens": 0.0,
        "completion_usd_per_1m_tokens": 0.0,
        "context_length": 32_000,
    }
    assert answer["resolved"][0]["capability"]["whyThisMatches"].endswith(
        "Checked: prompt price at most $0 per 1M tokens."
    )
    answer = resolve(api, CONTRACTS, filters={"free": True})
    assert (slugs(answer), answer["required"]["free"]) == (["has-free"], True)
    assert answer["resolved"][0]["offer"]["id"] == "has-free:free"
    answer = resolve(api, CONTRACTS, filters={"variant": "free"})
    assert (slugs(answer), answer["required"]["variant"]) == (["has-free"], "free")
    answer = resolve(api, CONTRACTS, filters={"variant": "batch"})
    assert answer["noMatch"] == "no registered model has a 'batch' offer"


def test_a_context_limit_is_met_by_an_offer(words: Any, api: Any) -> None:
    listing(
        "extended",
        trust=20,
        context=8_000,
        offers=[
            {"context_length": 8_000},
            {"variant": "extended", "context_length": 1_000_000},
        ],
    )
    listing("short", trust=90, context=8_000, offers=[{"context_length": 8_000}])
    listing("unstated", trust=50)
    answer = resolve(api, CONTRACTS, filters={"min_context": 200_000})
    assert slugs(answer) == ["unstated", "extended"]
    assert answer["resolved"][0]["offer"] is None
    assert answer["resolved"][1]["offer"]["id"] == "extended:extended"
    assert answer["resolved"][1]["capability"]["whyThisMatches"].endswith(
        "Checked: context of at least 200,000 tokens."
    )


def test_one_model_per_family_unless_the_need_names_it(words: Any, api: Any) -> None:
    listing("claude-opus-4", family="anthropic/claude-opus", trust=70)
    listing("claude-opus-4-1", family="anthropic/claude-opus", trust=80)
    listing("claude-opus-4-5", family="anthropic/claude-opus", trust=90)
    listing("gpt-5", family="openai/gpt", trust=60)
    listing("llama-4", trust=50)  # no family stated: its own
    answer = resolve(api, CONTRACTS)
    assert slugs(answer) == ["claude-opus-4-5", "gpt-5", "llama-4"]
    first = answer["resolved"][0]
    assert (first["artifact"]["family"], first["sameFamily"]) == (
        "anthropic/claude-opus",
        ["claude-opus-4-1", "claude-opus-4"],
    )
    assert answer["resolved"][2]["artifact"]["family"] == "llama-4"
    assert answer["ties"] == {"count": 5, "orderedBy": ["trust"]}
    answer = resolve(api, f"{CONTRACTS} with Claude Opus")
    assert slugs(answer) == [
        "claude-opus-4-5",
        "claude-opus-4-1",
        "claude-opus-4",
        "gpt-5",
        "llama-4",
    ]
    assert answer["resolved"][0]["sameFamily"] == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"prefer": "speed"},
            "prefer",
            "prefer: unknown preference 'speed'; use price, context, recency, trust, latency",
        ),
        (
            {"prefer": ["price", 3]},
            "prefer",
            "prefer must be one of price, context, recency, trust, latency, or a list of them",
        ),
        (
            {"prefer": {"price": True}},
            "prefer",
            "prefer must be one of price, context, recency, trust, latency, or a list of them",
        ),
        (
            {"filters": {"type": 5}},
            "filters.type",
            "filters.type must name a listing type (e.g. model, router) or be null",
        ),
        (
            {"filters": {"type": "Router!"}},
            "filters.type",
            "filters.type must name a listing type (e.g. model, router) or be null",
        ),
        (
            {"filters": {"variant": ""}},
            "filters.variant",
            "filters.variant must be a variant name (e.g. free, batch) or null",
        ),
        ({"filters": {"free": "yes"}}, "filters.free", "filters.free must be true, false or null"),
    ],
)
@pytest.mark.django_db
def test_bad_preferences_and_offer_filters_are_400_naming_the_field(
    api: Any, body: dict[str, Any], field: str, message: str
) -> None:
    response = api.post("/api/v1/resolve", {"intent": CONTRACTS, **body}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": message, "field": field}}
    assert ResolveLog.objects.count() == 0
