"""Claims in the admin: staff approve or reject; approval verifies the artifact."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import ApplicationError

from .models import Claim, OwnerToken
from .services import claim_approve, claim_reject, owner_token_revoke


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("artifact", "status", "key_id", "contact", "created_at", "signed_at")
    list_filter = ("status",)
    search_fields = ("artifact__slug", "contact", "key_id")
    readonly_fields = (
        "artifact",
        "contact",
        "public_key",
        "key_id",
        "challenge",
        "expires_at",
        "signature",
        "token_challenge",
        "token_challenge_expires_at",
        "status",
        "created_at",
        "signed_at",
        "decided_at",
        "decided_by",
    )
    exclude = ("secret_hash",)
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Approve: verify the builder, publish a new version")
    def approve(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        for claim in queryset:
            try:
                claim_approve(claim=claim, by=request.user.get_username())
            except ApplicationError as exc:
                self.message_user(request, f"{claim}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{claim.artifact.slug}: approved; the owner sees their token once on "
                    "their claim page",
                    messages.SUCCESS,
                )

    @admin.action(description="Reject")
    def reject(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        for claim in queryset:
            try:
                claim_reject(claim=claim, by=request.user.get_username())
            except ApplicationError as exc:
                self.message_user(request, f"{claim}: {exc.message}", messages.ERROR)


@admin.register(OwnerToken)
class OwnerTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "artifact", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("claim", "artifact", "prefix", "created_at", "revoked_at")
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke: refused from now on; the owner can take a new one")
    def revoke(self, request: HttpRequest, queryset: QuerySet[OwnerToken]) -> None:
        for token in queryset:
            if owner_token_revoke(token=token):
                self.message_user(
                    request,
                    f"{token}: revoked; the owner can take a new token, once, from their "
                    "claim page",
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, f"{token}: was revoked already", messages.WARNING)
