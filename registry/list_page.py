"""One page of the passport list as value tuples (selectors.LIST_FIELDS), not model instances.

The database orders the narrow rows (pk, sort keys) and reads the wide columns of the
page's rows only: sorting every listed row with its JSON columns cost most of a list
request. For the plain list (no filter, only `page`, `page_size`, `ordering`), the one query
(page rows, and the count as a scalar subquery) is compiled once per ordering, offset and
size and kept: building it through the ORM per request cost as much as running it
(bench/passport_requests.py). The kept SQL holds no data, only the shape of the query, so it
is never stale; its rows go through the same converters the ORM applies.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet, Subquery

from .filters import PassportFilter
from .models import Artifact
from .selectors import DEFAULT_ORDERING, LIST_FIELDS, ORDERINGS


def _filtered(params: Mapping[str, Any]) -> bool:
    return any(name in params for name in PassportFilter.base_filters)


@functools.lru_cache(maxsize=1024)
def _plain_page_sql(
    vendor: str, ordering: str, offset: int, size: int
) -> tuple[str, tuple[Any, ...], tuple[Any, ...]]:
    """The plain list's page query: SQL, parameters, and the selected expressions (for
    their converters). One per database vendor, ordering, offset and page size."""
    listed = Artifact.objects.filter(merged_into=None)
    ordered = listed.order_by(*ORDERINGS[ordering], "slug")
    total = Subquery(listed.order_by().values("merged_into").annotate(n=Count("pk")).values("n"))
    page = (
        ordered.filter(pk__in=ordered.values("pk")[offset : offset + size])
        .annotate(_listed=total)
        .values_list(*LIST_FIELDS, "_listed")
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


def passport_list_page(
    *, queryset: QuerySet[Artifact] | None, ordering: str | None, offset: int, size: int
) -> tuple[int | None, list[tuple[Any, ...]]]:
    """(the list's count, or None when this query did not count it; the page's rows as
    LIST_FIELDS tuples): a plain list's in its `ordering`, else `queryset`'s page, which is
    `passport_list(params=params)`."""
    if ordering is None:
        assert queryset is not None
        page = queryset.filter(pk__in=queryset.values("pk")[offset : offset + size])
        return None, list(page.values_list(*LIST_FIELDS))
    sql, sql_params, columns = _plain_page_sql(connection.vendor, ordering, offset, size)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        rows = _converted(cursor.fetchall(), columns)
    if not rows:
        return None, []
    return rows[0][-1], [row[:-1] for row in rows]
