"""Curation: search, filters, capabilities inline, import warnings visible."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import ApplicationError

from .listings import artifact_merge, artifact_rename
from .models import (
    Artifact,
    ArtifactAlias,
    Capability,
    CatalogSnapshot,
    ImportWarning,
    ProviderEndpoint,
    Trust,
)


class ListingActionForm(ActionForm):
    """Beside the action menu: what a rename or merge needs."""

    target = forms.CharField(
        required=False, label="slug (new slug, or the listing to merge into)", max_length=200
    )
    new_name = forms.CharField(required=False, label="new name (Maker: Model)", max_length=300)


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
        "variant",
        "free",
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
    raw_id_fields = ("merged_into",)
    search_fields = ("slug", "name", "artifact_id", "openrouter_id", "hugging_face_id")
    readonly_fields = ("content_digest", "created_at", "updated_at", "facts_source", "facts_as_of")
    inlines = [TrustInline, CapabilityInline, EndpointInline, WarningInline]
    list_select_related = ("trust",)
    action_form = ListingActionForm
    actions = ("rename_listing", "merge_listings")

    @admin.action(description="Rename the selected listing (old slug redirects)")
    def rename_listing(self, request: HttpRequest, queryset: QuerySet[Artifact]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "select exactly one listing to rename", messages.ERROR)
            return
        artifact = queryset.get()
        try:
            artifact_rename(
                artifact=artifact,
                slug=request.POST.get("target", "").strip() or None,
                name=request.POST.get("new_name", "").strip() or None,
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"renamed to {artifact.slug} ({artifact.name})")

    @admin.action(description="Merge the selected listings into the listing named by slug")
    def merge_listings(self, request: HttpRequest, queryset: QuerySet[Artifact]) -> None:
        target = Artifact.objects.filter(
            slug=request.POST.get("target", "").strip(), merged_into=None
        ).first()
        if target is None:
            self.message_user(
                request, "give the slug of a listed artifact to merge into", messages.ERROR
            )
            return
        merged = []
        for source in queryset.exclude(pk=target.pk).filter(merged_into=None):
            try:
                artifact_merge(source=source, target=target)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            merged.append(source.slug)
        self.message_user(request, f"merged {', '.join(merged) or 'nothing'} into {target.slug}")

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
    # Where a probe sends which key is changed through the endpoints API or
    # `manage.py probe_endpoint`, which hold it to PROBE_KEY_ENVS and
    # PROBE_ALLOW_LOOPBACK (probes.egress); this form would skip those checks.
    readonly_fields = ("base_url", "api_key_env")


@admin.register(ImportWarning)
class ImportWarningAdmin(admin.ModelAdmin):
    list_display = ("artifact", "source", "code", "field", "created_at")
    list_filter = ("source", "code")
    search_fields = ("artifact__slug", "message")
    raw_id_fields = ("artifact",)


@admin.register(CatalogSnapshot)
class CatalogSnapshotAdmin(admin.ModelAdmin):
    list_display = ("source", "label", "as_of", "imported_at", "sha256")


@admin.register(ArtifactAlias)
class ArtifactAliasAdmin(admin.ModelAdmin):
    list_display = ("slug", "artifact", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("slug", "artifact__slug")
    raw_id_fields = ("artifact",)
