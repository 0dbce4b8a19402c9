"""DRF authentication for owner tokens (`Authorization: Token tpo_...`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .services import TOKEN_PREFIX, owner_token_slug


@dataclass(frozen=True)
class OwnerGrant:
    """request.auth for an owner token: it may update `owner_slug` and nothing else."""

    owner_slug: str


class OwnerTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, OwnerGrant] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].decode("latin-1") != self.keyword:
            return None
        raw = parts[1].decode("latin-1")
        if not raw.startswith(TOKEN_PREFIX):
            return None  # a staff token: TokenAuthentication's business
        slug = owner_token_slug(raw=raw)
        if slug is None:
            raise exceptions.AuthenticationFailed("invalid or revoked owner token")
        return None, OwnerGrant(owner_slug=slug)

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class OwnerTokenScheme(OpenApiAuthenticationExtension):
    """Owner tokens in the OpenAPI document (found by drf-spectacular when this module loads)."""

    target_class = OwnerTokenAuthentication
    name = "ownerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An approved claim's owner token, `Token tpo_...`: it may update "
            "its own passport only.",
        }
