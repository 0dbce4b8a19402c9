"""Curation: search, filters, capabilities inline, import warnings visible."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Artifact, Capability, CatalogSnapshot, ImportWarning, ProviderEndpoint, Trust


class CapabilityInline(admin.StackedInline):
    model = Capability
    extra = 0
    fields = (
        "position",
        "capability_id",
        "name",
        "description",
        "intents",
        "best_for",
        "limitations",
        "requires",
        "confidence",
        "matches",
        "success_rate",
    )


class TrustInline(admin.StackedInline):
    model = Trust
    extra = 0
    can_delete = False


class EndpointInline(admin.TabularInline):
    model = ProviderEndpoint
    extra = 0
    fields = (
        "provider",
        "model_name",
        "source",
        "context_length",
        "prompt_price_per_1m",
        "match_rule",
    )
    readonly_fields = ("source", "match_rule")
    show_change_link = True


class WarningInline(admin.TabularInline):
    model = ImportWarning
    extra = 0
    fields = ("source", "code", "field", "message")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class HasWarnings(admin.SimpleListFilter):
    title = "import warnings"
    parameter_name = "warnings"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "with warnings"), ("no", "without")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Artifact]) -> QuerySet[Artifact]:
        if self.value() == "yes":
            return queryset.filter(warnings__isnull=False).distinct()
        if self.value() == "no":
            return queryset.filter(warnings__isnull=True)
        return queryset


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "type",
        "source",
        "score",
        "verified",
        "context_length",
        "prompt_price_per_1m",
        "warning_count",
    )
    list_filter = ("source", "type", "verified", "open_weights", HasWarnings)
    search_fields = ("slug", "name", "artifact_id", "openrouter_id", "hugging_face_id")
    readonly_fields = ("content_digest", "created_at", "updated_at", "facts_source", "facts_as_of")
    inlines = [TrustInline, CapabilityInline, EndpointInline, WarningInline]
    list_select_related = ("trust",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Artifact]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(warning_total=Count("warnings"))

    @admin.display(ordering="trust__score")
    def score(self, obj: Artifact) -> int:
        return obj.trust.score

    @admin.display(description="warnings", ordering="warning_total")
    def warning_count(self, obj: Artifact) -> int:
        return getattr(obj, "warning_total", 0)


@admin.register(ProviderEndpoint)
class ProviderEndpointAdmin(admin.ModelAdmin):
    list_display = (
        "artifact",
        "provider",
        "model_name",
        "source",
        "match_rule",
        "context_length",
        "prompt_price_per_1m",
    )
    list_filter = ("source", "provider", "match_rule")
    search_fields = ("model_name", "source_key", "artifact__slug")
    raw_id_fields = ("artifact",)


@admin.register(ImportWarning)
class ImportWarningAdmin(admin.ModelAdmin):
    list_display = ("artifact", "source", "code", "field", "created_at")
    list_filter = ("source", "code")
    search_fields = ("artifact__slug", "message")
    raw_id_fields = ("artifact",)


@admin.register(CatalogSnapshot)
class CatalogSnapshotAdmin(admin.ModelAdmin):
    list_display = ("source", "label", "as_of", "imported_at", "sha256")
