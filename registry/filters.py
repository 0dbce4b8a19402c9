"""The passport list's filters, shared by the API and the HTML pages."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from .modalities import INPUT_MODALITIES, OUTPUT_MODALITIES
from .models import Artifact, ProviderEndpoint
from .search import search_condition

BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class PassportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=200)
    type = django_filters.CharFilter(field_name="type", max_length=64)
    category = django_filters.CharFilter(method="filter_facet", max_length=100)
    tag = django_filters.CharFilter(method="filter_facet", max_length=100)
    input_modality = django_filters.ChoiceFilter(
        method="filter_facet", choices=[(m, m) for m in INPUT_MODALITIES]
    )
    output_modality = django_filters.ChoiceFilter(
        method="filter_facet", choices=[(m, m) for m in OUTPUT_MODALITIES]
    )
    min_score = django_filters.NumberFilter(
        field_name="trust__score", lookup_expr="gte", min_value=0, max_value=100
    )
    verified = django_filters.ChoiceFilter(method="filter_verified", choices=BOOLEAN_CHOICES)
    min_context = django_filters.NumberFilter(
        field_name="context_length", lookup_expr="gte", min_value=0, max_digits=15, decimal_places=0
    )
    max_prompt_price = django_filters.NumberFilter(
        field_name="prompt_price_per_1m",
        lookup_expr="lte",
        min_value=Decimal(0),
        max_digits=20,
        decimal_places=6,
    )

    # Incremental sync: listings whose row or signed document changed after this time
    # (ISO 8601; without an offset it is UTC).
    updated_since = django_filters.IsoDateTimeFilter(method="filter_updated_since")

    # Offers: listings with an offer of this variant ("free", "batch", ...), or a free one.
    variant = django_filters.CharFilter(method="filter_variant", max_length=64)
    free = django_filters.ChoiceFilter(method="filter_free", choices=BOOLEAN_CHOICES)

    class Meta:
        model = Artifact
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Artifact], name: str, value: str) -> QuerySet[Artifact]:
        return queryset.filter(search_condition(value))

    def filter_facet(
        self, queryset: QuerySet[Artifact], name: str, value: str
    ) -> QuerySet[Artifact]:
        from .selectors import has_facet

        return queryset.filter(has_facet(name, value))

    def filter_variant(
        self, queryset: QuerySet[Artifact], name: str, value: str
    ) -> QuerySet[Artifact]:
        offers = ProviderEndpoint.objects.filter(artifact=OuterRef("pk"), variant=value)
        return queryset.filter(Exists(offers))

    def filter_free(
        self, queryset: QuerySet[Artifact], name: str, value: str
    ) -> QuerySet[Artifact]:
        offers = ProviderEndpoint.objects.filter(artifact=OuterRef("pk"), free=True)
        if value in ("true", "1"):
            return queryset.filter(Exists(offers))
        return queryset.exclude(Exists(offers))

    def filter_updated_since(
        self, queryset: QuerySet[Artifact], name: str, value: datetime
    ) -> QuerySet[Artifact]:
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        return queryset.filter(updated_at__gt=value)

    def filter_verified(
        self, queryset: QuerySet[Artifact], name: str, value: str
    ) -> QuerySet[Artifact]:
        return queryset.filter(verified=value in ("true", "1"))


def first_error(errors: Any) -> tuple[str, str]:
    """(field, message) of a FilterSet's first error."""
    for field, messages in errors.items():
        return field, f"{field}: {messages[0]}"
    return "query", "invalid query"
