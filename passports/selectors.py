"""Reads of signed versions and keys, and the cached signature status of versions."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery

from core.time import timestamp, timestamp_or_none

from .models import PassportVersion, SigningKey
from .services import published_keys, version_verify
from .signing import public_jwk


def latest_versions(artifact_ids: Sequence[int] | None = None) -> QuerySet[PassportVersion]:
    """The newest signed version of each of these artifacts (of every one: None), in one query."""
    newest = (
        PassportVersion.objects.filter(artifact_id=OuterRef("artifact_id"))
        .order_by("-number")
        .values("number")[:1]
    )
    versions = PassportVersion.objects.filter(number=Subquery(newest))
    return versions if artifact_ids is None else versions.filter(artifact_id__in=artifact_ids)


def latest_signed_with(*, key_id: str) -> list[int]:
    """Artifact ids whose latest signed version this key signed."""
    return list(
        latest_versions()
        .filter(key__key_id=key_id)
        .order_by("artifact_id")
        .values_list("artifact_id", flat=True)
    )


def jwk_of(key: SigningKey) -> dict[str, Any]:
    return {
        **public_jwk(base64.b64decode(key.public_key)),
        "kid": key.key_id,
        "use": "sig",
        "alg": "Ed25519",
        "status": key.status,
        "created": timestamp(key.created_at),
        "retired": timestamp_or_none(key.retired_at),
        "revoked": timestamp_or_none(key.revoked_at),
    }


def key_list() -> list[SigningKey]:
    return list(SigningKey.objects.all())


VERDICT_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Signature:
    """What a page says about the latest signed version of an artifact."""

    version: int
    valid: bool
    reason: str | None
    key_id: str
    key_status: str
    signed_at: str
    digest: str


def _cache_key(version: PassportVersion) -> str:
    # Versions never change; a revoked key changes the key status and so the cache key.
    return f"passports:verdict:{version.digest}:{version.key.key_id}:{version.key.status}"


def latest_signatures(artifact_ids: Sequence[int]) -> dict[int, Signature]:
    """The latest version's signature status per artifact, from version_verify.

    Verdicts are cached per signed digest: one query when all are cached, three
    otherwise (light rows, keys, the full rows of the versions to verify).
    """
    if not artifact_ids:
        return {}
    return signatures_of(
        list(
            latest_versions(artifact_ids).select_related("key").defer("passport_json", "canonical")
        )
    )


def signatures_of(versions: Sequence[PassportVersion]) -> dict[int, Signature]:
    """The signature status of these versions (with their keys), by artifact id.

    Versions loaded without their text are read in full only when their verdict
    is not cached.
    """
    verdicts: dict[str, tuple[bool, str | None]] = cache.get_many(
        [_cache_key(version) for version in versions]
    )
    missing = [version for version in versions if _cache_key(version) not in verdicts]
    if missing:
        keys = published_keys()
        fresh = {}
        loaded = [version for version in missing if not version.get_deferred_fields()]
        light = [version.pk for version in missing if version.get_deferred_fields()]
        if light:
            loaded += PassportVersion.objects.filter(pk__in=light).select_related("key")
        for full in loaded:
            verdict = version_verify(version=full, keys=keys)
            fresh[_cache_key(full)] = (verdict.valid, verdict.reason)
        cache.set_many(fresh, VERDICT_CACHE_SECONDS)
        verdicts.update(fresh)
    result = {}
    for version in versions:
        valid, reason = verdicts[_cache_key(version)]
        result[version.artifact_id] = Signature(
            version=version.number,
            valid=bool(valid),
            reason=reason,
            key_id=version.key.key_id,
            key_status=version.key.status,
            signed_at=version.signed_at,
            digest=version.digest,
        )
    return result
