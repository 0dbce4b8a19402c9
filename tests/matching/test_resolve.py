"""Resolve with the real packaged model over the seed passports."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from matching.models import ResolveLog
from matching.outcomes import outcomes_apply
from matching.ranking import NO_MATCH_THRESHOLD
from passports.models import PassportVersion
from registry.models import Artifact, Capability, Trust
from registry.services import passport_import

DEV_SET = json.loads((Path(__file__).with_name("dev_set.json")).read_text())
MAVERICK = "meta-llama-llama-4-maverick"
SCOUT = "meta-llama-llama-4-scout"


def resolve(api: Any, intent: Any, **more: Any) -> dict[str, Any]:
    response = api.post("/api/v1/resolve", {"intent": intent, **more}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_bar_chart_lands_on_a_vision_capability(seeds: list[str], model: Any, api: Any) -> None:
    answer = resolve(api, "read a bar chart image and explain the trend")
    assert list(answer) == [
        "resolveId",
        "resolvedAt",
        "resolverVersion",
        "intent",
        "readAs",
        "required",
        "resolved",
        "ties",
        "noMatch",
    ]
    assert answer["readAs"] == "read a bar chart image and explain the trend (images)"
    assert answer["noMatch"] is None
    assert answer["required"]["input_modalities"] == ["image"]
    first = answer["resolved"][0]
    assert first["capability"]["id"] in DEV_SET["seeds"][0]["expected"]
    # Only the two Llama 4 models accept images; LFM is text only.
    assert {r["artifact"]["slug"] for r in answer["resolved"]} <= {MAVERICK, SCOUT}
    assert list(first) == [
        "artifact",
        "offer",
        "capability",
        "invocation",
        "trust",
        "alternatives",
        "sameFamily",
        "matchConfidence",
        "lastVerified",
        "feedbackUrl",
        "callbackToken",
        "rank",
    ]
    assert list(first["capability"]) == [
        "id",
        "name",
        "intent",
        "description",
        "whyThisMatches",
        "vsAlternatives",
        "bestFor",
        "limitations",
    ]
    assert first["capability"]["whyThisMatches"].endswith("Checked: accepts image input.")
    # The vision capabilities are filed under "image-visual" (4 of the 22 capabilities).
    assert 'its category "image-visual" as a whole scores' in first["capability"]["whyThisMatches"]
    rank = first["rank"]
    assert rank["similarity"] == pytest.approx(
        0.85 * (0.7 * rank["bestText"] + 0.3 * rank["meanText"]) + 0.15 * rank["category"],
        abs=1e-3,
    )
    assert first["rank"]["total"] == pytest.approx(
        first["rank"]["similarity"] + first["rank"]["trust"] + first["rank"]["success"], abs=1e-3
    )
    assert first["feedbackUrl"] == "http://testserver/api/v1/feedback"
    trust = first["trust"]
    assert trust["unfragile"]["artifact"]["slug"] == first["artifact"]["slug"]
    verdict = api.post(
        "/api/v1/verify",
        {"passport": {k: v for k, v in trust.items() if k not in ("verified", "score")}},
        format="json",
    ).json()
    assert verdict["valid"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("split", "expected_misses"),
    [
        ("seeds", ["call a hosted model over HTTP without running any servers myself"]),
        (
            "seeds_validation",
            ["use a model from my app without managing GPUs or inference servers"],
        ),
    ],
)
def test_dev_set_precision_on_the_seeds(
    seeds: list[str], model: Any, api: Any, split: str, expected_misses: list[str]
) -> None:
    hits = []
    for case in DEV_SET[split]:
        answer = resolve(api, case["need"], limit=1)
        top = answer["resolved"][0]["capability"]["id"] if answer["resolved"] else None
        hits.append(top in case["expected"])
    misses = [c["need"] for c, hit in zip(DEV_SET[split], hits, strict=True) if not hit]
    # 25 of 26 and 25 of 26 today; bench/match_quality.py prints the figures.
    assert misses == expected_misses


@pytest.mark.django_db
@pytest.mark.parametrize("split", ["negatives", "negatives_validation"])
def test_needs_nothing_fits_say_so(seeds: list[str], model: Any, api: Any, split: str) -> None:
    for need in DEV_SET[split]:
        answer = resolve(api, need)
        assert answer["resolved"] == []
        assert answer["noMatch"].startswith(
            "no registered capability is close enough to this need (best similarity 0."
        )
        assert answer["noMatch"].endswith(f"threshold {NO_MATCH_THRESHOLD:.2f})")


@pytest.mark.parametrize(
    ("intent", "reason"),
    [
        ("generate a photorealistic picture of a cat", "no registered model produces image output"),
        ("transcribe a podcast recording", "no registered model accepts audio input"),
        ("summarize a video clip", "no registered model accepts video input"),
    ],
)
@pytest.mark.django_db
def test_missing_modality_is_named(
    seeds: list[str], model: Any, api: Any, intent: str, reason: str
) -> None:
    answer = resolve(api, intent)
    assert (answer["resolved"], answer["noMatch"]) == ([], reason)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"intent": ""}, "intent", "intent must not be empty"),
        ({"intent": "   "}, "intent", "intent must not be empty"),
        ({}, "intent", "intent is required"),
        ({"intent": "x" * 100_000}, "intent", "intent is 100000 characters; the limit is 2000"),
        ({"intent": 42}, "intent", "intent must be a string"),
        ({"intent": ["a"]}, "intent", "intent must be a string"),
        ({"intent": "chat", "limit": 0}, "limit", "limit must be an integer from 1 to 50"),
        ({"intent": "chat", "limit": 1000}, "limit", "limit must be an integer from 1 to 50"),
        ({"intent": "chat", "limit": "5"}, "limit", "limit must be an integer from 1 to 50"),
        (
            {"intent": "chat", "filters": {"colour": "red"}},
            "filters.colour",
            "filters.colour is not a known filter; use input_modalities, output_modalities, min_context, max_prompt_price, open_weights, type, variant, free",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_requests_are_400_naming_the_field(
    api: Any, body: dict[str, Any], field: str, message: str
) -> None:
    response = api.post("/api/v1/resolve", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": message, "field": field}}
    assert ResolveLog.objects.count() == 0


@pytest.mark.django_db
def test_filters_constrain_and_are_echoed(seeds: list[str], model: Any, api: Any) -> None:
    answer = resolve(api, "help me write code", filters={"input_modalities": ["image"]})
    assert answer["required"]["input_modalities"] == ["image"]
    assert {r["artifact"]["slug"] for r in answer["resolved"]} <= {MAVERICK, SCOUT}
    # The seeds alone state no context size: a limit on it is reported as unchecked ...
    answer = resolve(api, "help me write code", filters={"min_context": 10_000_000})
    assert answer["resolved"][0]["capability"]["whyThisMatches"].endswith(
        "Checked: context of at least 10,000,000 tokens. Its passport does not state its "
        "context size, so that was not checked."
    )
    # ... and a stated size below the limit excludes the model.
    Artifact.objects.update(context_length=1_048_576)
    answer = resolve(api, "help me write code", filters={"min_context": 10_000_000})
    assert answer["resolved"] == []
    assert (
        answer["noMatch"]
        == "no registered model meets the constraints: context of at least 10,000,000 tokens"
    )


@pytest.mark.django_db
def test_index_follows_the_registry(
    seeds: list[str], model: Any, api: Any, seed_documents: dict[str, Any]
) -> None:
    need = "compose sea shanties about lighthouses"
    before = resolve(api, need)
    doc = copy.deepcopy(seed_documents[SCOUT])
    doc["passport"]["unfragile"]["capabilities"][2]["intents"].append(
        "I need sea shanties written about lighthouses"
    )
    passport_import(document=doc)
    after = resolve(api, need)
    assert after["resolved"][0]["capability"]["id"] == "openrouter-meta-llama-llama-4-scout__cap_2"
    assert (
        after["resolved"][0]["rank"]["matchedText"]
        == "I need sea shanties written about lighthouses"
    )
    assert after["resolved"][0]["rank"]["similarity"] > (
        before["resolved"][0]["rank"]["similarity"] if before["resolved"] else 0
    )


@pytest.mark.django_db
def test_outcomes_and_feedback_update_the_passport(
    seeds: list[str], model: Any, api: Any, settings: Any
) -> None:
    answer = resolve(api, "translate customer emails from Spanish into German", limit=1)
    result = answer["resolved"][0]
    assert result["capability"]["id"] == "openrouter-liquid-lfm-2-24b-a2b__cap_7"
    slug = result["artifact"]["slug"]
    versions = PassportVersion.objects.filter(artifact__slug=slug).count()
    assert outcomes_apply() == 1
    assert outcomes_apply() == 0
    cap = Capability.objects.get(capability_id="openrouter-liquid-lfm-2-24b-a2b__cap_7")
    assert (cap.matches, cap.avg_confidence, cap.top_intents) == (
        1,
        result["matchConfidence"],
        [result["rank"]["matchedText"]],
    )
    trust = Trust.objects.get(artifact__slug=slug)
    assert (trust.matches, trust.component_sources["match_graph"]) == (1, "measured")
    assert "no observed match outcomes yet" not in trust.failure_modes
    assert PassportVersion.objects.filter(artifact__slug=slug).count() == versions + 1

    feedback = {
        "resolveId": answer["resolveId"],
        "slug": slug,
        "callbackToken": result["callbackToken"],
        "outcome": "success",
    }
    forged = dict(feedback, callbackToken=result["callbackToken"][:-2] + "AA")
    response = api.post("/api/v1/feedback", forged, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "invalid_token")
    other = dict(feedback, slug=MAVERICK)
    assert api.post("/api/v1/feedback", other, format="json").status_code == 403
    response = api.post("/api/v1/feedback", feedback, format="json")
    assert (response.status_code, response.json()) == (
        201,
        {
            "recorded": True,
            "resolveId": answer["resolveId"],
            "slug": slug,
            "outcome": "success",
            "counted": True,
        },
    )
    response = api.post("/api/v1/feedback", feedback, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "token_used")
    assert outcomes_apply() == 1
    cap.refresh_from_db()
    assert (cap.feedback_count, cap.successes, cap.success_rate) == (1, 1, 1.0)
    document = api.get(f"/api/v1/passport/{slug}").json()
    served_cap = document["passport"]["unfragile"]["capabilities"][7]
    assert (served_cap["matches"], served_cap["success_rate"]) == (1, 1)
    assert (
        document["passport"]["registry"]["outcomes"]["openrouter-liquid-lfm-2-24b-a2b__cap_7"][
            "feedback"
        ]
        == 1
    )
    assert document["passport"]["unfragile"]["trust"]["observed_outcomes"]["success_rate"] == 1

    settings.MATCH_FEEDBACK_TTL = -60
    late = resolve(api, "translate customer emails from Spanish into German", limit=1)
    expired = {
        "resolveId": late["resolveId"],
        "slug": slug,
        "callbackToken": late["resolved"][0]["callbackToken"],
        "outcome": "failure",
    }
    response = api.post("/api/v1/feedback", expired, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "expired_token")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "resolveId"),
        ({"resolveId": "x", "slug": "s", "callbackToken": "t", "outcome": "meh"}, "outcome"),
        (
            {"resolveId": "not-a-uuid", "slug": "s", "callbackToken": "1.x", "outcome": "success"},
            "resolveId",
        ),
        ({"resolveId": 5, "slug": "s", "callbackToken": "t", "outcome": "success"}, "resolveId"),
        (
            {
                "resolveId": "00000000-0000-0000-0000-000000000000",
                "slug": "s",
                "callbackToken": "t",
                "outcome": "success",
                "note": 7,
            },
            "note",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_feedback_is_400_naming_the_field(api: Any, body: dict[str, Any], field: str) -> None:
    response = api.post("/api/v1/feedback", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


# A read of listings' names or shown rows (matching.listings): the only artifact queries that
# select the slug.
_LISTING_READ = '"registry_artifact"."slug"'


@pytest.mark.django_db
def test_an_answer_reads_only_the_columns_it_shows(seeds: list[str], model: Any, api: Any) -> None:
    """The shown models are read with the columns an answer writes (listings.SHOWN_FIELDS,
    once): a field left out would be fetched lazily, one more query per model shown. Then
    kept (matching.listings): the same need again reads no listing from the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching import listings

    resolve(api, "summarise a long report")  # builds the index
    listings.forget()  # as a process that has read nothing yet
    with CaptureQueriesContext(connection) as captured:
        answer = resolve(api, "read a bar chart image and explain the trend")
    assert [r["artifact"]["slug"] for r in answer["resolved"]] == [MAVERICK]
    first = answer["resolved"][0]
    assert first["artifact"]["name"] == Artifact.objects.get(slug=MAVERICK).name
    assert (
        first["capability"]["limitations"]
        == Capability.objects.get(capability_id=first["capability"]["id"]).limitations
    )
    lazy = [q["sql"] for q in captured.captured_queries if q["sql"].endswith("LIMIT 21")]
    assert lazy == []
    reads = [q["sql"] for q in captured.captured_queries if _LISTING_READ in q["sql"]]
    assert len(reads) == 2  # the names, then the shown rows with their trust
    assert '"registry_trust"."probe_outcomes"' in reads[1]
    assert len(captured.captured_queries) == 12

    with CaptureQueriesContext(connection) as again:
        second = resolve(api, "read a bar chart image and explain the trend")
    assert [r["artifact"] for r in second["resolved"]] == [first["artifact"]]
    assert [q["sql"] for q in again.captured_queries if _LISTING_READ in q["sql"]] == []
    # The clocks, the index's clock and the log; without the ranking clock (PostgreSQL,
    # migration 0009) the constraints' two reads and the five of facts, offers,
    # capabilities, versions and endpoints too.
    assert len(again.captured_queries) == (3 if connection.vendor == "sqlite" else 10)
