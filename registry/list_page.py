"""One page of the passport list as value tuples (selectors.LIST_FIELDS), not model instances.

The database orders the narrow rows (pk, sort keys) and reads the wide columns of the
page's rows only: sorting every listed row with its JSON columns cost most of a list
request. For the plain list (no filter, only `page`, `page_size`, `ordering`), the one query
(page rows, the count and the list clock as scalar subqueries) is compiled once per
ordering, offset and size and kept: building it through the ORM per request cost as much as
running it (bench/passport_requests.py). The kept SQL holds no data, only the shape of the
query, so it is never stale; its rows go through the same converters the ORM applies.

Even so the page query (a join of the wide artifact rows with trust, every listed row
sorted) and the converters (JSON decoded) were most of a plain list request, for rows that
change a few times a day. So each process also keeps the plain list's pages themselves
(rows converted, and the count), keyed by the database, the list clock, the ordering, the
offset and the size; least recently used out past LIST_PAGES_CACHE_ROWS rows.

- The list clock is RegistryClock "listings". The database moves it, by triggers on every
  write to registry_artifact and registry_trust, the two tables the page reads (migration
  0008 says how, and why each write sets a fresh random value rather than adding one): no
  code path (queryset.update, bulk_create, raw SQL, a merge, a delete) can forget it.
- A request reads the clock (one tiny query); a page kept under that value is the answer.
  Else the page query runs, and it reads the clock too, in the same statement, so the page
  is filed under the clock of exactly the state it shows (one snapshot per statement on
  both databases). A write that commits after the clock read is served from the next
  request on.
- No clock row (a flush just ran; a database without the triggers) or another database
  than SQLite and PostgreSQL (no triggers there): nothing is kept, the query runs.
- JSON lists and dicts are the only mutable values in a row: each caller gets its own
  copies, so no caller can change a kept page.
- Filtered lists (any filter, `q`) always run their query: keyed by every filter value
  they take, they would crowd the plain pages out.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet, Subquery

from core.lru import SizedLru

from .filters import PassportFilter
from .models import Artifact, RegistryClock
from .selectors import DEFAULT_ORDERING, LIST_FIELDS, ORDERINGS

LIST_CLOCK = "listings"  # moved by the triggers of migration 0008
CLOCKED_VENDORS = frozenset({"sqlite", "postgresql"})  # the databases that have them

# (database alias, vendor, name; clock; ordering, offset, size)
PageKey = tuple[str, str, str, int, str, int, int]
# (the list's count, the page's rows)
Page = tuple[int, tuple[tuple[Any, ...], ...]]


def _filtered(params: Mapping[str, Any]) -> bool:
    return any(name in params for name in PassportFilter.base_filters)


@functools.lru_cache(maxsize=1024)
def _plain_page_sql(
    vendor: str, ordering: str, offset: int, size: int
) -> tuple[str, tuple[Any, ...], tuple[Any, ...]]:
    """The plain list's page query: SQL, parameters, and the selected expressions (for
    their converters). One per database vendor, ordering, offset and page size. Each row
    ends with the list's count and the list clock (None without a clock row)."""
    listed = Artifact.objects.filter(merged_into=None)
    ordered = listed.order_by(*ORDERINGS[ordering], "slug")
    total = Subquery(listed.order_by().values("merged_into").annotate(n=Count("pk")).values("n"))
    clock = Subquery(RegistryClock.objects.filter(name=LIST_CLOCK).values("value")[:1])
    page = (
        ordered.filter(pk__in=ordered.values("pk")[offset : offset + size])
        .annotate(_listed=total, _clock=clock)
        .values_list(*LIST_FIELDS, "_listed", "_clock")
    )
    compiler = page.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    return sql, tuple(params), tuple(column[0] for column in compiler.select[: compiler.col_count])


def _converted(rows: Sequence[Sequence[Any]], columns: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows as the ORM would give them: each column through its backend's and its field's
    converters (JSON decoded, decimals, aware datetimes), as SQLCompiler.apply_converters."""
    converters = []
    for position, expression in enumerate(columns):
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((position, found, expression))
    result = []
    for raw in rows:
        row = list(raw)
        for position, found, expression in converters:
            value = row[position]
            for convert in found:
                value = convert(value, expression, connection)
            row[position] = value
        result.append(tuple(row))
    return result


def plain_ordering(params: Mapping[str, Any]) -> str | None:
    """The ordering of a plain list (no filter, a valid or no `ordering`), else None: then
    `passport_list` builds (or refuses) the filtered query."""
    ordering = params.get("ordering") or DEFAULT_ORDERING
    return None if _filtered(params) or ordering not in ORDERINGS else ordering


# Plain-list pages, least recently used out past LIST_PAGES_CACHE_ROWS rows in all.
pages: SizedLru[PageKey, Page] = SizedLru(
    size=lambda page: len(page[1]), limit=lambda: settings.LIST_PAGES_CACHE_ROWS
)


def _json_copy(value: Any) -> Any:
    if type(value) is list:
        return [_json_copy(item) for item in value]
    if type(value) is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    return value


def _own(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows with their own copies of the JSON lists and dicts (every other value a
    converter gives is immutable: str, int, bool, Decimal, datetime, None)."""
    return [tuple([_json_copy(value) for value in row]) for row in rows]


def listings_clock() -> int | None:
    """The list clock, or None when there is none: no clock row (a flush just ran), or a
    database without the triggers that move it. Whatever is kept under a value it read
    reflects every write to registry_artifact and registry_trust committed before it read
    that value (matching.listings keeps what a resolve reads of listings under it too)."""
    if connection.vendor not in CLOCKED_VENDORS:
        return None
    with connection.cursor() as cursor:
        # Plain SQL: through the ORM, building the query cost more than running it.
        cursor.execute("SELECT value FROM registry_registryclock WHERE name = %s", [LIST_CLOCK])
        found = cursor.fetchone()
    return None if found is None else int(found[0])


def passport_list_page(
    *, queryset: QuerySet[Artifact] | None, ordering: str | None, offset: int, size: int
) -> tuple[int | None, list[tuple[Any, ...]]]:
    """(the list's count, or None when this query did not count it; the page's rows as
    LIST_FIELDS tuples): a plain list's in its `ordering` (kept per list clock), else
    `queryset`'s page, which is `passport_list(params=params)`. The rows are the caller's."""
    if ordering is None:
        assert queryset is not None
        found = queryset.filter(pk__in=queryset.values("pk")[offset : offset + size])
        return None, list(found.values_list(*LIST_FIELDS))
    kept = connection.vendor in CLOCKED_VENDORS and settings.LIST_PAGES_CACHE_ROWS > 0
    database = (connection.alias, connection.vendor, str(connection.settings_dict["NAME"]))
    if kept:
        clock = listings_clock()
        kept_page = None if clock is None else pages.get((*database, clock, ordering, offset, size))
        if kept_page is not None:
            return kept_page[0], _own(kept_page[1])
    sql, sql_params, columns = _plain_page_sql(connection.vendor, ordering, offset, size)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        rows = _converted(cursor.fetchall(), columns)
    if not rows:
        return None, []  # past the last page: not kept, the caller counts for its 404
    count, clock = rows[0][-2], rows[0][-1]
    page = tuple(row[:-2] for row in rows)
    if kept and clock is not None:
        pages.put((*database, clock, ordering, offset, size), (count, page))
    return count, _own(page)
