"""Page-number pagination that refuses a bad page instead of guessing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from core.errors import ApplicationError, NotFound
from core.numbers import plain_int


class StrictPagination(PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = plain_int(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ApplicationError(
                f"page_size must be an integer from 1 to {self.max_page_size}", field="page_size"
            )
        return size

    def paginate_values(
        self, queryset: QuerySet[Any], request: Request, fields: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        """The page's rows as `values_list(*fields)` tuples, no model instance per row; then
        `get_paginated_response` as after `paginate_queryset`. The database orders the
        narrow (pk) rows and reads the wide columns of the page's rows only: sorting every
        listed row with its JSON columns cost most of a list request
        (bench/passport_requests.py)."""
        size = self.get_page_size(request)
        paginator: Paginator[Any] = Paginator(queryset, size)
        number = int(self.get_page_number(request, paginator))  # the count; a bad page: 4xx
        offset = (number - 1) * size
        page = queryset.filter(pk__in=queryset.values("pk")[offset : offset + size])
        rows = list(page.values_list(*fields))
        self.page = Page([], number, paginator)
        self.request = request
        return rows

    def get_page_number(self, request: Request, paginator: Any) -> str:
        raw = request.query_params.get(self.page_query_param, "1")
        number = plain_int(raw)
        if number is None or number < 1:
            raise ApplicationError("page must be a positive integer", field="page")
        if number > max(paginator.num_pages, 1):
            raise NotFound(
                f"page {raw} is past the last page ({paginator.num_pages})", field="page"
            )
        return str(number)
