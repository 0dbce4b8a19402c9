"""Page-number pagination that refuses a bad page instead of guessing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
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

    def paginate_rows(
        self,
        request: Request,
        read: Callable[[int, int], tuple[int | None, list[Any]]],
        count: Callable[[], int],
    ) -> list[Any]:
        """The page's rows from `read(offset, size)`, which gives the count too when its
        query counted (else None, and `count()` runs); then `get_paginated_response` as
        after `paginate_queryset`. A page past the last is the same 404 as ever."""
        size = self.get_page_size(request)
        number = plain_int(request.query_params.get(self.page_query_param, "1"))
        rows: list[Any] = []
        total = None
        if number is not None and 1 <= number <= 2**31:  # else: the count, then the 4xx
            total, rows = read((number - 1) * size, size)
        paginator: Paginator[Any] = Paginator([], size)
        paginator.__dict__["count"] = count() if total is None else total  # cached_property
        self.page = Page([], int(self.get_page_number(request, paginator)), paginator)
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
