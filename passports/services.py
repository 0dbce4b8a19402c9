"""Key lifecycle, signing new passport versions, and verification against our keys."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from core.errors import ApplicationError, NotFound
from core.time import now as _now
from core.time import timestamp

from .canonical import DocumentError, canonical_bytes, signed_bytes
from .keys import read_key_file, write_key_file
from .log import log_key_event, log_version
from .models import PassportVersion, SigningKey
from .signing import KeyPair, PublishedKey, Verdict, verify_signed

logger = logging.getLogger(__name__)


class SigningUnavailable(ApplicationError):
    status = 503


def _register(pair: KeyPair) -> SigningKey:
    """A new active key, logged. Caller's transaction."""
    key = SigningKey.objects.create(
        key_id=pair.key_id,
        public_key=base64.b64encode(pair.public).decode("ascii"),
        status=SigningKey.Status.ACTIVE,
    )
    log_key_event(key=key, status=SigningKey.Status.ACTIVE, at=key.created_at)
    return key


@transaction.atomic
def key_generate() -> tuple[SigningKey, bool]:
    """Make sure a usable active key exists; (key, created).

    Adopts a key file provisioned outside the registry; creates a new file
    when there is none or the file's key was revoked or retired.
    """
    active = SigningKey.objects.select_for_update().filter(status=SigningKey.Status.ACTIVE).first()
    pair = read_key_file()
    if active is not None:
        if pair is None or pair.key_id != active.key_id:
            raise SigningUnavailable(
                f"key {active.key_id} is active but its private key is not in "
                f"{settings.PASSPORT_SIGNING_KEY_FILE}; restore the file or run "
                "`passport_keys rotate`",
                code="signing_key_missing",
            )
        return active, False
    known = SigningKey.objects.filter(key_id=pair.key_id).first() if pair else None
    if pair is None or known is not None:
        pair = KeyPair.generate()
        write_key_file(pair)
    key = _register(pair)
    logger.info("signing key %s generated and active", key.key_id)
    return key, True


@transaction.atomic
def key_rotate() -> tuple[SigningKey, SigningKey | None]:
    """A new active key; the old one retires (its versions still verify). (new, old)."""
    old = SigningKey.objects.select_for_update().filter(status=SigningKey.Status.ACTIVE).first()
    if old is not None:
        old.status = SigningKey.Status.RETIRED
        old.retired_at = _now()
        old.save(update_fields=["status", "retired_at"])
        log_key_event(key=old, status=SigningKey.Status.RETIRED, at=old.retired_at)
    pair = KeyPair.generate()
    new = _register(pair)
    # Written inside the transaction: if the commit then failed, the file would
    # hold a key the database does not know, and signing refuses rather than
    # signing with an unpublished key.
    write_key_file(pair)
    logger.info(
        "signing key rotated: %s active, %s retired", new.key_id, old.key_id if old else None
    )
    return new, old


@transaction.atomic
def key_revoke(*, key_id: str) -> SigningKey:
    key = SigningKey.objects.select_for_update().filter(key_id=key_id).first()
    if key is None:
        raise NotFound(f"no signing key {key_id!r}", field="key_id")
    if key.status == SigningKey.Status.REVOKED:
        return key  # revoked once, logged once
    key.status = SigningKey.Status.REVOKED
    key.revoked_at = _now()
    key.save(update_fields=["status", "revoked_at"])
    log_key_event(key=key, status=SigningKey.Status.REVOKED, at=key.revoked_at)
    logger.warning("signing key %s revoked", key.key_id)
    return key


def _active_pair() -> tuple[SigningKey, KeyPair]:
    active = SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).first()
    if active is None:
        if not settings.PASSPORT_AUTO_KEY:
            raise SigningUnavailable(
                "no active signing key: run `python manage.py passport_keys generate`",
                code="no_signing_key",
            )
        active, _ = key_generate()
    pair = read_key_file()
    if pair is None or pair.key_id != active.key_id:
        raise SigningUnavailable(
            f"the private key for active key {active.key_id} is not in the key file",
            code="signing_key_missing",
        )
    return active, pair


def signing_ready() -> None:
    """Raise SigningUnavailable unless a version could be signed now (the active key and
    its private key file): a caller checks before it commits work that signing completes."""
    _active_pair()


@dataclass(frozen=True)
class Published:
    version: PassportVersion
    created: bool


def passport_publish(
    *, artifact: Any, content: dict[str, Any], content_digest: str, force: bool = False
) -> Published:
    """Sign `content` as version N+1 unless the latest version already carries it
    (`force`: sign anyway, with the active key, as re-signing after a revocation does).

    Caller holds the artifact's transaction (and row lock).
    """
    latest = artifact.versions.order_by("-number").first()
    if latest is not None and latest.content_digest == content_digest and not force:
        return Published(version=latest, created=False)
    key, pair = _active_pair()
    passport = {
        **content,
        "signedAt": timestamp(_now()),
        "signedBy": settings.PASSPORT_SIGNER,
        "version": (latest.number if latest else 0) + 1,
        "keyId": key.key_id,
    }
    message = signed_bytes(passport)
    version = PassportVersion.objects.create(
        artifact=artifact,
        number=passport["version"],
        passport_json=json.dumps(passport, ensure_ascii=False, separators=(",", ":")),
        canonical=message.decode("utf-8"),
        signature=base64.b64encode(pair.sign(message)).decode("ascii"),
        key=key,
        signed_at=passport["signedAt"],
        content_digest=content_digest,
        digest=hashlib.sha256(message).hexdigest(),
    )
    # Logged in the same transaction: a version is never served without its log entry.
    log_version(version=version, slug=artifact.slug)
    return Published(version=version, created=True)


# The key rows last read, and the keys built from them (this process's memo).
_keys_seen: tuple[tuple[Any, ...], dict[str, PublishedKey]] = ((), {})
_keys_sql: dict[str, tuple[str, tuple[Any, ...]]] = {}


def published_keys() -> dict[str, PublishedKey]:
    """Every key with its status, as of this moment.

    Read on every call, with no time-based cache: a key added, rotated or revoked by any
    process (a service, `manage.py passport_keys`, an admin edit, a bare UPDATE) counts
    from the very next verification. The rows are their own clock: one small query
    whose SQL the ORM builds once per database vendor, and only when the rows differ
    from the last ones seen are the keys built again (base64, PublishedKey). That spares
    a verification the ORM's query compilation and model instances, about as long as
    the verification itself.
    """
    global _keys_seen
    vendor = connection.vendor
    if vendor not in _keys_sql:
        query = SigningKey.objects.values_list("key_id", "public_key", "status").query
        _keys_sql[vendor] = query.sql_with_params()
    sql, params = _keys_sql[vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = tuple(cursor.fetchall())
    seen = _keys_seen
    if rows != seen[0]:
        keys = {
            key_id: PublishedKey(public=base64.b64decode(public), status=status)
            for key_id, public, status in rows
        }
        seen = _keys_seen = (rows, keys)
    return dict(seen[1])  # a caller's copy: the memo stays as read


def version_verify(
    *, version: PassportVersion, keys: dict[str, PublishedKey] | None = None
) -> Verdict:
    """Verify a stored version from the bytes that were signed, as stored: no
    canonicalising. Caller loaded `version.key` (select_related) unless it passes `keys`
    (from published_keys(), which saves a query per version when verifying many).

    The stored served text must still say what the signed bytes say: its parsed value
    equals theirs (JSON value equality: a number written 1 or 1.0 is one number; only
    when the two differ is the served text canonicalised, to tell a number written
    another way from an edit). Equality does not tell `true` from `1`; the verifiers of
    a served document (POST /api/v1/verify, python -m passports.verify) do.
    """
    message = version.canonical.encode("utf-8")
    signed = json.loads(message)
    if keys is None:
        key = version.key
        keys = {
            key.key_id: PublishedKey(public=base64.b64decode(key.public_key), status=key.status)
        }
    verdict = verify_signed(message, signed, version.signature, keys)
    if verdict.valid and not _says(json.loads(version.passport_json), signed, message):
        return Verdict(
            valid=False,
            reason="stored document differs from the bytes that were signed",
            slug=verdict.slug,
            version=verdict.version,
            key_id=verdict.key_id,
            signed_by=verdict.signed_by,
            signed_at=verdict.signed_at,
        )
    return verdict


def _says(served: dict[str, Any], signed: Any, message: bytes) -> bool:
    """Whether the stored served passport (kept without `signature`) is the signed value."""
    if served == signed:
        return True
    try:
        return canonical_bytes(served) == message
    except DocumentError:
        return False
