"""Claiming a listing: challenge, signature, staff approval, owner token.

The claimant's signature is checked with passports.signing (the one Ed25519
verification in the codebase). Secrets and tokens are stored as sha256 only
and looked up by that hash, so the raw value is never compared or kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from core.errors import ApplicationError, NotFound
from passports.signing import (
    KEY_BYTES,
    SIGNATURE_BYTES,
    SignatureFormatError,
    b64decode_strict,
    jwk_thumbprint,
    verify_bytes,
)
from registry.models import Artifact
from registry.refresh import artifacts_refresh

from .models import Claim, OwnerToken

CHALLENGE_TTL = timedelta(hours=1)
TOKEN_PREFIX = "tpo_"  # noqa: S105 (a marker, not a secret)


class ClaimRejected(ApplicationError):
    pass


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class StartedClaim:
    claim: Claim
    secret: str  # shown once, in the claimant's status link


def claim_start(*, slug: str, public_key: str, contact: str = "") -> StartedClaim:
    """A fresh challenge for `slug`, bound to the claimant's Ed25519 public key."""
    artifact = Artifact.objects.filter(slug=slug).first()
    if artifact is None:
        raise NotFound(f"no passport with slug {slug!r}", field="claim")
    try:
        raw_key = b64decode_strict(public_key.strip(), length=KEY_BYTES, what="public key")
    except SignatureFormatError as exc:
        raise ClaimRejected(str(exc), field="public_key") from exc
    if Claim.objects.filter(artifact=artifact, status=Claim.Status.APPROVED).exists():
        raise ClaimRejected(f"{slug} is already claimed", code="claimed", field="claim")
    expires = _now() + CHALLENGE_TTL
    nonce = secrets.token_urlsafe(24)
    challenge = f"trust-passport-claim:{slug}:{nonce}:{int(expires.timestamp())}"
    secret = secrets.token_urlsafe(32)
    claim = Claim.objects.create(
        artifact=artifact,
        contact=contact.strip()[:200],
        public_key=public_key.strip(),
        key_id=jwk_thumbprint(raw_key),
        challenge=challenge,
        expires_at=expires,
        secret_hash=_sha256(secret),
    )
    return StartedClaim(claim=claim, secret=secret)


def claim_get(*, secret: str) -> Claim | None:
    """The claim a status link points at, or None."""
    if not secret or len(secret) > 100:
        return None
    return Claim.objects.select_related("artifact").filter(secret_hash=_sha256(secret)).first()


def claim_sign(*, claim: Claim, signature: str) -> Claim:
    """Check the claimant's signature over the exact challenge bytes; the claim then waits for staff."""
    if claim.status != Claim.Status.CHALLENGED:
        raise ClaimRejected(f"this claim is {claim.status}, not waiting for a signature")
    if claim.expires_at < _now():
        raise ClaimRejected(
            "the challenge has expired; start a new claim", code="expired", field="signature"
        )
    _signature_check(claim=claim, challenge=claim.challenge, signature=signature)
    updated = Claim.objects.filter(pk=claim.pk, status=Claim.Status.CHALLENGED).update(
        status=Claim.Status.PENDING, signature=signature.strip(), signed_at=_now()
    )
    if updated != 1:
        raise ClaimRejected("this claim was signed already")
    claim.refresh_from_db()
    return claim


def _signature_check(*, claim: Claim, challenge: str, signature: str) -> None:
    """The claimant's key signed exactly `challenge` (UTF-8). Raises ClaimRejected."""
    try:
        raw_signature = b64decode_strict(
            signature.strip(), length=SIGNATURE_BYTES, what="signature"
        )
        raw_key = b64decode_strict(claim.public_key, length=KEY_BYTES, what="public key")
    except SignatureFormatError as exc:
        raise ClaimRejected(str(exc), field="signature") from exc
    if not verify_bytes(raw_key, challenge.encode("utf-8"), raw_signature):
        raise ClaimRejected(
            "the signature does not match the challenge and your public key",
            code="bad_signature",
            field="signature",
        )


def claim_approve(*, claim: Claim, by: str) -> Claim:
    """Staff approval: the artifact becomes verified, trust and content are refreshed
    (a new signed version without "builder identity is not verified yet")."""
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != Claim.Status.PENDING:
            raise ClaimRejected(f"only a signed, pending claim can be approved ({locked.status})")

        def approve(artifact: Artifact) -> None:
            if Claim.objects.filter(artifact=artifact, status=Claim.Status.APPROVED).exists():
                raise ClaimRejected(f"{artifact.slug} already has an approved owner")
            locked.status = Claim.Status.APPROVED
            locked.decided_at = _now()
            locked.decided_by = by[:150]
            locked.save(update_fields=["status", "decided_at", "decided_by"])
            artifact.verified = True
            artifact.save(update_fields=["verified", "updated_at"])
            artifact.trust.verified = True  # saved by the refresh, with the refreshed trust

        artifacts_refresh(artifact_ids=[locked.artifact_id], apply=approve)
    return locked


def claim_reject(*, claim: Claim, by: str) -> Claim:
    updated = Claim.objects.filter(
        pk=claim.pk, status__in=[Claim.Status.CHALLENGED, Claim.Status.PENDING]
    ).update(status=Claim.Status.REJECTED, decided_at=_now(), decided_by=by[:150])
    if updated != 1:
        raise ClaimRejected("only an open claim can be rejected")
    claim.refresh_from_db()
    return claim


def owner_token_renewal(*, claim: Claim) -> bool:
    """True when the claim's next token is a new one after a revoked one: it then needs
    a fresh signature (owner_token_challenge), not only the claim ticket."""
    return (
        claim.status == Claim.Status.APPROVED
        and OwnerToken.objects.filter(claim=claim).exists()
        and not owner_token_live(claim=claim)
    )


def owner_token_challenge(*, claim: Claim) -> str:
    """The text to sign for a new owner token: the live one, or a fresh one (one hour).

    Like the claim's own challenge it names the slug, a nonce and the expiry; its
    prefix differs, so a signature of one is never good for the other."""
    if (
        claim.token_challenge
        and claim.token_challenge_expires_at
        and (claim.token_challenge_expires_at > _now())
    ):
        return claim.token_challenge
    expires = _now() + CHALLENGE_TTL
    nonce = secrets.token_urlsafe(24)
    challenge = (
        f"trust-passport-owner-token:{claim.artifact.slug}:{nonce}:{int(expires.timestamp())}"
    )
    Claim.objects.filter(pk=claim.pk).update(
        token_challenge=challenge, token_challenge_expires_at=expires
    )
    claim.token_challenge, claim.token_challenge_expires_at = challenge, expires
    return challenge


def owner_token_issue(*, claim: Claim, signature: str = "") -> str | None:
    """The owner's raw API token, once: None when the claim is not approved or its
    live token was already shown (only its hash is kept).

    The first token needs only the claim ticket (the caller found the claim by it).
    A new token after a revoked one also needs `signature`: the claimant's key over
    owner_token_challenge, fresh (one hour) and good once. A ticket that leaked
    with the token it opened is then worth nothing on its own. Raises ClaimRejected
    naming `signature`."""
    if claim.status != Claim.Status.APPROVED:
        return None
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # Lock the claim: two tabs pressing "Show my owner token" get one token.
        locked = Claim.objects.select_for_update().filter(pk=claim.pk).first()
        if locked is None or owner_token_live(claim=locked):
            return None
        if OwnerToken.objects.filter(claim=locked).exists():
            challenge = locked.token_challenge
            if not signature.strip():
                raise ClaimRejected(
                    "signature: a new owner token needs the challenge on this page signed "
                    "with the key this claim was made with",
                    code="signature_required",
                    field="signature",
                )
            if (
                not challenge
                or not locked.token_challenge_expires_at
                or (locked.token_challenge_expires_at < _now())
            ):
                raise ClaimRejected(
                    "the challenge has expired; sign the new one on this page",
                    code="expired",
                    field="signature",
                )
            _signature_check(claim=locked, challenge=challenge, signature=signature)
            locked.token_challenge, locked.token_challenge_expires_at = "", None
            locked.save(update_fields=["token_challenge", "token_challenge_expires_at"])
        OwnerToken.objects.create(
            claim=locked, artifact_id=locked.artifact_id, token_hash=_sha256(raw), prefix=raw[:10]
        )
    return raw


def owner_token_live(*, claim: Claim) -> bool:
    return OwnerToken.objects.filter(claim=claim, revoked_at__isnull=True).exists()


def owner_token_revoke(*, token: OwnerToken) -> bool:
    """Revoke a token at once; the owner may then take a new one from their claim page.
    False when it was revoked already."""
    return bool(
        OwnerToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=_now())
    )


def owner_token_slug(*, raw: str) -> str | None:
    """The slug an owner token may update, or None for an unknown or revoked token."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    slug = (
        OwnerToken.objects.filter(token_hash=_sha256(raw), revoked_at__isnull=True)
        .values_list("artifact__slug", flat=True)
        .first()
    )
    return None if slug is None else str(slug)
