"""What a resolve reads of listings, kept per process under the list clock
(matching.listings): a write to a listing or its trust is shown from the next resolve on."""

from __future__ import annotations

from typing import Any

import pytest

from matching import listings
from registry.models import Artifact, RegistryClock, Trust

MAVERICK = "meta-llama-llama-4-maverick"
SCOUT = "meta-llama-llama-4-scout"
NEED = "read a bar chart image and explain the trend"


def resolve(api: Any, intent: str) -> dict[str, Any]:
    response = api.post("/api/v1/resolve", {"intent": intent}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def shown(api: Any) -> dict[str, Any]:
    [result] = resolve(api, NEED)["resolved"]
    assert result["artifact"]["slug"] == MAVERICK
    return result


@pytest.mark.django_db
def test_a_written_listing_is_shown_as_written_from_the_next_resolve(
    seeds: list[str], model: Any, api: Any
) -> None:
    before = shown(api)
    assert before["artifact"]["name"] == Artifact.objects.get(slug=MAVERICK).name
    kept = listings.listings_kept()
    assert kept is not None
    pk = Artifact.objects.get(slug=MAVERICK).pk
    assert kept.shown[pk].name == before["artifact"]["name"]

    Artifact.objects.filter(slug=MAVERICK).update(name="Maverick, renamed", family="meta/renamed")
    after = resolve(api, NEED)["resolved"]
    # Scout was shown as Maverick's family; now a family of its own, ranked as one.
    assert before["sameFamily"] == [SCOUT]
    assert [(r["artifact"]["slug"], r["artifact"]["family"]) for r in after] == [
        (MAVERICK, "meta/renamed"),
        (SCOUT, "meta/llama"),
    ]
    assert after[0]["artifact"]["name"] == "Maverick, renamed"
    assert after[0]["sameFamily"] == []

    Trust.objects.filter(artifact__slug=MAVERICK).update(score=3)
    assert resolve(api, NEED)["resolved"][0]["trust"]["score"] == 3
    # Kept under the clock the last write set, not under an earlier one.
    latest = listings.listings_kept()
    assert latest is not None and latest is not kept
    assert latest.names[pk] == (MAVERICK, "meta/renamed")
    assert latest.shown[pk].trust.score == 3


@pytest.mark.django_db
def test_without_a_clock_nothing_is_kept(seeds: list[str], model: Any, api: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    RegistryClock.objects.filter(name="listings").delete()
    assert listings.listings_kept() is None
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            result = shown(api)
        reads = [q for q in captured.captured_queries if '"registry_artifact"."slug"' in q["sql"]]
        assert len(reads) == 2  # names, shown rows: read every time
    assert result["artifact"]["name"] == Artifact.objects.get(slug=MAVERICK).name


@pytest.mark.django_db
def test_shown_rows_are_kept_up_to_the_limit(
    seeds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pks = sorted(Artifact.objects.values_list("pk", flat=True))
    assert len(pks) == 3
    monkeypatch.setattr(listings, "SHOWN_KEPT", 2)
    kept = listings.listings_kept()
    assert kept is not None
    assert sorted(listings.shown_read(pks[:2], kept)) == pks[:2]
    assert sorted(kept.shown) == pks[:2]
    # One more would pass the limit: read, given, not kept.
    assert sorted(listings.shown_read(pks, kept)) == pks
    assert sorted(kept.shown) == pks[:2]
    names = listings.names_read([*pks, 10**9], kept)  # a key no listing has: left out
    assert sorted(names) == pks
    assert kept.names == names
    assert listings.names_prefill() == 3
