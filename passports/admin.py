"""Keys and versions are read-only here: keys change through `passport_keys`, versions never."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import PassportVersion, SigningKey


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "status", "created_at", "retired_at", "revoked_at")
    list_filter = ("status",)


@admin.register(PassportVersion)
class PassportVersionAdmin(ReadOnlyAdmin):
    list_display = ("artifact", "number", "signed_at", "key", "digest")
    search_fields = ("artifact__slug",)
    list_select_related = ("artifact", "key")
    exclude = ("canonical",)
