"""The plain list's pages are kept per list clock (registry/list_page.py), and the database
moves that clock on every kind of write to the rows the list shows (migration 0008): after
each, the list answers the new rows, never a kept page; a kept page costs one query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import list_page
from registry.clocks import clock_read
from registry.listings import artifact_merge
from registry.models import Artifact, RegistryClock, Trust

LIQUID = "liquid-lfm-2-24b-a2b"
SCOUT = "meta-llama-llama-4-scout"
MAVERICK = "meta-llama-llama-4-maverick"
Row = tuple[str, str, int | None]
SEEDED: list[Row] = [
    (LIQUID, "LiquidAI: LFM2-24B-A2B", 24),
    (SCOUT, "Meta: Llama 4 Scout", 24),
    (MAVERICK, "Meta: Llama 4 Maverick", 23),
]

Listed = tuple[int, list[Row]]


@pytest.fixture(autouse=True)
def _no_kept_pages() -> Iterator[None]:
    list_page.pages.clear()
    yield
    list_page.pages.clear()


def listed(api: Any, **params: str) -> tuple[Listed, int]:
    """(the list's count and its (slug, name, score) rows; the queries the request ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/passport", params)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = [(row["slug"], row["name"], row["score"]) for row in body["results"]]
    return (body["count"], rows), len(queries)


def _save(name: str) -> None:
    artifact = Artifact.objects.get(slug=SCOUT)
    artifact.name = name
    artifact.save()


def _bulk_update(name: str) -> None:
    artifact = Artifact.objects.get(slug=SCOUT)
    artifact.name = name
    Artifact.objects.bulk_update([artifact], ["name"])


def _raw_update(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_artifact SET name = %s WHERE slug = %s", [name, SCOUT])


def _merge() -> None:
    artifact_merge(
        source=Artifact.objects.get(slug=SCOUT), target=Artifact.objects.get(slug=MAVERICK)
    )


RENAMED: list[Row] = [SEEDED[0], (SCOUT, "Meta: Llama 4 Scout, renamed", 24), SEEDED[2]]
WRITES: dict[str, tuple[Callable[[], Any], Listed]] = {
    "save": (lambda: _save("Meta: Llama 4 Scout, renamed"), (3, RENAMED)),
    "queryset update": (
        lambda: Artifact.objects.filter(slug=SCOUT).update(name="Meta: Llama 4 Scout, renamed"),
        (3, RENAMED),
    ),
    "bulk_update": (lambda: _bulk_update("Meta: Llama 4 Scout, renamed"), (3, RENAMED)),
    "raw SQL": (lambda: _raw_update("Meta: Llama 4 Scout, renamed"), (3, RENAMED)),
    "bulk_create": (
        lambda: Artifact.objects.bulk_create(
            [Artifact(artifact_id="acme/new", slug="acme-new", name="Acme: New", source="api")]
        ),
        (4, [*SEEDED, ("acme-new", "Acme: New", None)]),  # no trust row: score null, last
    ),
    "delete": (lambda: Artifact.objects.get(slug=LIQUID).delete(), (2, SEEDED[1:])),
    "merge": (_merge, (2, [SEEDED[0], SEEDED[2]])),
    "trust queryset update": (
        lambda: Trust.objects.filter(artifact__slug=MAVERICK).update(score=99),
        (3, [(MAVERICK, "Meta: Llama 4 Maverick", 99), *SEEDED[:2]]),
    ),
    "trust delete": (
        lambda: Trust.objects.filter(artifact__slug=LIQUID).delete(),
        (3, [*SEEDED[1:], (LIQUID, "LiquidAI: LFM2-24B-A2B", None)]),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(WRITES))
def test_each_kind_of_write_moves_the_clock_and_the_list_answers_it(
    seeds: list[str], api: Any, kind: str
) -> None:
    write, expected = WRITES[kind]
    assert listed(api) == ((3, SEEDED), 2)  # the clock, then the page (and count)
    assert listed(api) == ((3, SEEDED), 1)  # kept: the clock alone
    before = clock_read("listings")
    write()
    assert clock_read("listings") != before
    assert listed(api) == (expected, 2)
    assert listed(api) == (expected, 1)


@pytest.mark.django_db
def test_each_ordering_offset_and_size_is_its_own_page(seeds: list[str], api: Any) -> None:
    assert listed(api, page_size="1", page="2") == ((3, [SEEDED[1]]), 2)
    assert listed(api, page_size="2") == ((3, SEEDED[:2]), 2)
    assert listed(api, page_size="2", ordering="-name") == ((3, SEEDED[1:]), 2)
    assert listed(api, page_size="1", page="2") == ((3, [SEEDED[1]]), 1)
    assert listed(api, page_size="2", ordering="-name") == ((3, SEEDED[1:]), 1)
    assert len(list_page.pages) == 3


@pytest.mark.django_db
def test_a_kept_page_is_each_callers_own(seeds: list[str]) -> None:
    def read() -> tuple[int | None, list[tuple[Any, ...]]]:
        return list_page.passport_list_page(queryset=None, ordering="-score", offset=0, size=1)

    count, rows = read()
    tags = list_page.LIST_FIELDS.index("tags")
    assert (count, rows[0][tags]) == (3, ["liquid", "api-access", "text"])
    rows[0][tags].append("changed by a caller")
    with CaptureQueriesContext(connection) as queries:
        again = read()
    assert (len(queries), again[0], again[1][0][tags]) == (1, 3, ["liquid", "api-access", "text"])
    again[1][0][tags].clear()
    assert read()[1][0][tags] == ["liquid", "api-access", "text"]


@pytest.mark.django_db
def test_filtered_lists_and_a_missing_clock_are_not_kept(seeds: list[str], api: Any) -> None:
    for _ in range(2):
        # The page, then the count: as before the plain list was kept.
        assert listed(api, type="model") == ((3, SEEDED), 2)
        assert listed(api, q="llama") == ((2, [SEEDED[1], SEEDED[2]]), 2)
    assert len(list_page.pages) == 0
    RegistryClock.objects.filter(name="listings").delete()
    for _ in range(2):
        assert listed(api) == ((3, SEEDED), 2)
    assert len(list_page.pages) == 0
    Artifact.objects.filter(slug=SCOUT).update(name="Meta: Llama 4 Scout, renamed")
    assert listed(api) == ((3, RENAMED), 2)  # the write made the clock again
    assert listed(api) == ((3, RENAMED), 1)


@pytest.mark.django_db
def test_kept_pages_are_bounded_by_rows(seeds: list[str], api: Any, settings: Any) -> None:
    settings.LIST_PAGES_CACHE_ROWS = 2
    for page in ("1", "2", "3"):
        assert listed(api, page_size="1", page=page) == ((3, [SEEDED[int(page) - 1]]), 2)
    assert len(list_page.pages) == 2
    assert listed(api, page_size="1", page="3")[1] == 1
    assert listed(api, page_size="1", page="1")[1] == 2  # the least recently used went
    assert listed(api, page_size="3") == ((3, SEEDED), 2)
    assert listed(api, page_size="3") == ((3, SEEDED), 2)  # more rows than the bound
    settings.LIST_PAGES_CACHE_ROWS = 0
    list_page.pages.clear()
    for _ in range(2):
        assert listed(api, page_size="1")[1] == 1  # 0 keeps nothing: the page, no clock
    assert len(list_page.pages) == 0


def _one(name: str) -> None:
    Artifact.objects.create(artifact_id="acme/one", slug="acme-one", name=name, source="api")


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_same_writes_are_a_new_clock(api: Any) -> None:
    """A counter would restart after the flush and file the second registry under the
    first one's value; the clock is a fresh random value on each write."""
    call_command("flush", interactive=False, verbosity=0)
    _one("Acme: One")
    assert listed(api) == ((1, [("acme-one", "Acme: One", None)]), 2)
    assert listed(api) == ((1, [("acme-one", "Acme: One", None)]), 1)
    call_command("flush", interactive=False, verbosity=0)
    assert listed(api) == ((0, []), 3)  # the clock (none), no rows, the count
    _one("Acme: Two")
    assert listed(api) == ((1, [("acme-one", "Acme: Two", None)]), 2)
    assert listed(api) == ((1, [("acme-one", "Acme: Two", None)]), 1)
