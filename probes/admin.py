"""Probe runs (read-only) and breakers; endpoints are edited in the registry admin."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from registry.models import Artifact, ProviderEndpoint
from registry.refresh import artifacts_refresh

from .models import EndpointBreaker, ProbeRun
from .outcomes import probe_evidence_apply
from .services import breaker_reset


@admin.register(ProbeRun)
class ProbeRunAdmin(admin.ModelAdmin):
    list_display = (
        "slot",
        "artifact",
        "endpoint",
        "kind",
        "state",
        "status",
        "http_status",
        "latency_ms",
        "error_class",
    )
    list_filter = ("kind", "state", "status")
    search_fields = ("artifact__slug", "endpoint__provider", "endpoint__model_name")
    list_select_related = ("artifact", "endpoint")
    date_hierarchy = "slot"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EndpointBreaker)
class EndpointBreakerAdmin(admin.ModelAdmin):
    list_display = ("endpoint", "consecutive_failures", "opened_at", "reason")
    list_select_related = ("endpoint",)
    actions = ["close_breaker"]

    @admin.action(description="Close the breaker (resume probing)")
    def close_breaker(self, request: HttpRequest, queryset: QuerySet[EndpointBreaker]) -> None:
        for breaker in queryset.select_related("endpoint"):
            artifacts_refresh(
                artifact_ids=[breaker.endpoint.artifact_id],
                apply=partial(_resume, endpoint=breaker.endpoint),
            )


def _resume(artifact: Artifact, *, endpoint: ProviderEndpoint) -> None:
    """Close the breaker under the artifact's row lock, then recompute its probe figures."""
    breaker_reset(endpoint=endpoint)
    probe_evidence_apply(artifact=artifact)
