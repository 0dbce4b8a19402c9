"""Reads of signed versions and keys."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from core.errors import ApplicationError, NotFound
from core.time import timestamp, timestamp_or_none

from .models import PassportVersion, SigningKey
from .signing import public_jwk


def latest_versions(artifact_ids: Sequence[int]) -> QuerySet[PassportVersion]:
    """The newest signed version of each of these artifacts, in one query."""
    newest = (
        PassportVersion.objects.filter(artifact_id=OuterRef("artifact_id"))
        .order_by("-number")
        .values("number")[:1]
    )
    return PassportVersion.objects.filter(artifact_id__in=artifact_ids, number=Subquery(newest))


def version_get(*, artifact: Any, number: str | int | None = None) -> PassportVersion:
    """The latest signed version of an artifact, or version `number`."""
    versions = PassportVersion.objects.filter(artifact=artifact).select_related("key")
    if number is None or number == "":
        version = versions.order_by("-number").first()
        if version is None:
            raise NotFound(f"{artifact.slug} has no signed version yet", field="slug")
        return version
    if not str(number).isdigit() or int(number) < 1:
        raise ApplicationError("version must be a positive integer", field="version")
    version = versions.filter(number=int(number)).first()
    if version is None:
        raise NotFound(f"{artifact.slug} has no version {number}", field="version")
    return version


def version_list(*, artifact: Any) -> list[dict[str, Any]]:
    return [
        {
            "version": version.number,
            "signedAt": version.signed_at,
            "keyId": version.key.key_id,
            "keyStatus": version.key.status,
            "digest": f"sha256:{version.digest}",
        }
        for version in PassportVersion.objects.filter(artifact=artifact)
        .select_related("key")
        # The listing shows metadata: the documents themselves stay in the database.
        .only("number", "signed_at", "digest", "key__key_id", "key__status")
        .order_by("-number")
    ]


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
