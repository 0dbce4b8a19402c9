"""GET /api/v1/search (unfragile's shape) and the list's text relevance and `updated_since`."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Max

from registry.models import Artifact
from registry.search import search_terms

SCOUT = "meta-llama-llama-4-scout"
MAVERICK = "meta-llama-llama-4-maverick"
LFM = "liquid-lfm-2-24b-a2b"


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Llama 4 Scout", ["llama", "4", "scout"]),
        ("gpt-4o  gpt-4o", ["gpt", "4o"]),
        ("<<>>", ["<<>>"]),
        (" ".join(f"w{n}" for n in range(20)), [f"w{n}" for n in range(12)]),
    ],
)
def test_search_terms_split_dedupe_and_bound(text: str, terms: list[str]) -> None:
    assert search_terms(text) == terms


@pytest.mark.django_db
def test_search_llama_answers_unfragile_shape(seeds: list[str], api: Any) -> None:
    response = api.get("/api/v1/search", {"q": "llama", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert [body["query"], body["type"], body["limit"], body["total"]] == ["llama", None, 5, 2]
    assert [(m["artifact"]["slug"], m["trust"]["score"]) for m in body["matches"]] == [
        (SCOUT, 24),
        (MAVERICK, 23),
    ]
    first = body["matches"][0]
    assert list(first) == [
        "artifact",
        "capabilities",
        "trust",
        "relevance",
        "updated_at",
        "_links",
    ]
    assert list(first["artifact"]) == [
        "id",
        "slug",
        "name",
        "type",
        "url",
        "description",
        "categories",
        "verified",
    ]
    assert (
        first["_links"]["self"] == f"http://testserver/api/v1/passport/{first['artifact']['slug']}"
    )
    assert list(first["capabilities"][0]) == ["id", "name", "description", "matchScore", "bestFor"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "found"),
    [
        # In the name (3) and the whole query in the name (3).
        ("scout", [(SCOUT, 6)]),
        # In a capability's name only (2).
        ("vision", [(SCOUT, 2)]),
        # Two terms, each in a capability's name (2 + 2).
        ("image understanding", [(MAVERICK, 4)]),
        # Equal relevance: the higher trust score first (24 over 23).
        ("llama", [(SCOUT, 6), (MAVERICK, 6)]),
    ],
)
def test_search_ranks_by_relevance_then_trust(
    seeds: list[str], api: Any, q: str, found: list[tuple[str, int]]
) -> None:
    body = api.get("/api/v1/search", {"q": q, "limit": 20}).json()
    assert [(m["artifact"]["slug"], m["relevance"]) for m in body["matches"]] == found


@pytest.mark.django_db
def test_search_type_filters(seeds: list[str], api: Any) -> None:
    body = api.get("/api/v1/search", {"q": "llama", "type": "router"}).json()
    assert [body["total"], body["matches"]] == [0, []]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": "x"}, "q", "q must be 2 to 500 characters"),
        ({}, "q", "q must be 2 to 500 characters"),
        ({"q": "  x  "}, "q", "q must be 2 to 500 characters"),
        ({"q": "y" * 501}, "q", "q must be 2 to 500 characters"),
        ({"q": "llama", "limit": "0"}, "limit", "limit must be an integer from 1 to 20"),
        ({"q": "llama", "limit": "21"}, "limit", "limit must be an integer from 1 to 20"),
        ({"q": "llama", "limit": "²"}, "limit", "limit must be an integer from 1 to 20"),
        ({"q": "llama", "type": "t" * 65}, "type", "type must name a listing type (e.g. model)"),
    ],
)
def test_search_rejects_bad_parameters_naming_them(
    seeds: list[str], api: Any, params: dict[str, str], field: str, message: str
) -> None:
    response = api.get("/api/v1/search", params)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": message, "field": field}}


@pytest.mark.django_db
def test_search_of_500_characters_is_bounded(seeds: list[str], api: Any) -> None:
    response = api.get("/api/v1/search", {"q": "llama " * 83 + "ll"})
    assert response.status_code == 200
    assert response.json()["total"] == 2


@pytest.mark.django_db
def test_list_q_matches_every_term_and_ranks_by_relevance(seeds: list[str], api: Any) -> None:
    # Words in any order and place: the phrase "scout llama" is in no field.
    body = api.get("/api/v1/passport", {"q": "scout llama"}).json()
    assert [row["slug"] for row in body["results"]] == [SCOUT]
    by_name = api.get("/api/v1/passport", {"q": "llama", "ordering": "name"}).json()
    assert [row["slug"] for row in by_name["results"]] == [MAVERICK, SCOUT]
    response = api.get("/api/v1/passport", {"ordering": "relevance"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "ordering"


@pytest.mark.django_db
def test_list_updated_since_returns_only_what_changed(
    seeds: list[str], api: Any, settings: Any
) -> None:
    from probes.endpoints import endpoint_upsert

    settings.PROBE_ALLOW_LOOPBACK = True  # the endpoint below is on 127.0.0.1 over http

    last = Artifact.objects.aggregate(last=Max("updated_at"))["last"]
    since = last.isoformat()
    assert api.get("/api/v1/passport", {"updated_since": since}).json()["results"] == []
    # A new endpoint is a new signed document of LFM: a change a sync must see.
    endpoint_upsert(
        slug=LFM, base_url="http://127.0.0.1:9/v1", model="lfm", api_key_env="", provider="local"
    )
    changed = api.get("/api/v1/passport", {"updated_since": since}).json()
    assert [row["slug"] for row in changed["results"]] == [LFM]
    # Without an offset it is UTC; everything changed since long ago, oldest change first.
    everything = api.get("/api/v1/passport", {"updated_since": "2000-01-01T00:00:00"}).json()
    slugs = [row["slug"] for row in everything["results"]]
    assert slugs[-1] == LFM
    assert sorted(slugs) == sorted([SCOUT, MAVERICK, LFM])
    stamps = [row["updated_at"] for row in everything["results"]]
    assert stamps == sorted(stamps)


@pytest.mark.django_db
def test_list_updated_since_rejects_a_bad_time(seeds: list[str], api: Any) -> None:
    response = api.get("/api/v1/passport", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "updated_since: Enter a valid date/time.",
            "field": "updated_since",
        }
    }
