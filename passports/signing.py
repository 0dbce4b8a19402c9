"""Ed25519 signatures over RFC 8785 canonical bytes, and key identifiers.

Imports nothing from Django: the offline verifier (passports.verify) ships
with this module, canonical.py, PyNaCl and rfc8785 alone.

Every verification path ends in `verify_document`, so there is one place that
decides "valid"; a failure is a value with a reason, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.signing

from .canonical import DocumentError, Json, signed_bytes

SIGNATURE_BYTES = 64
KEY_BYTES = 32


class SignatureFormatError(ValueError):
    """A signature or key that is not well-formed (wrong encoding or length)."""


def b64decode_strict(value: Any, *, length: int, what: str) -> bytes:
    """Standard base64 with padding, nothing else: re-encoding must give the input back."""
    if not isinstance(value, str):
        raise SignatureFormatError(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise SignatureFormatError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise SignatureFormatError(f"{what} is not in canonical base64 form")
    if len(raw) != length:
        raise SignatureFormatError(f"{what} is {len(raw)} bytes; expected {length}")
    return raw


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode_strict(value: Any, *, length: int, what: str) -> bytes:
    if not isinstance(value, str) or "=" in value:
        raise SignatureFormatError(f"{what} must be unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignatureFormatError(f"{what} is not valid base64url") from exc
    if b64url(raw) != value or len(raw) != length:
        raise SignatureFormatError(f"{what} must encode exactly {length} bytes")
    return raw


def public_jwk(public_key: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key)}


def jwk_thumbprint(public_key: bytes) -> str:
    """RFC 7638 thumbprint of an Ed25519 key: SHA-256 of its required members, base64url."""
    jwk = public_jwk(public_key)
    members = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"), sort_keys=True
    )
    return b64url(hashlib.sha256(members.encode("ascii")).digest())


@dataclass(frozen=True)
class KeyPair:
    seed: bytes  # the 32-byte private seed; never logged, stored or returned
    public: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        signing_key = nacl.signing.SigningKey.generate()
        return cls(seed=bytes(signing_key), public=bytes(signing_key.verify_key))

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        if len(seed) != KEY_BYTES:
            raise SignatureFormatError(f"private key is {len(seed)} bytes; expected {KEY_BYTES}")
        signing_key = nacl.signing.SigningKey(seed)
        return cls(seed=seed, public=bytes(signing_key.verify_key))

    @property
    def key_id(self) -> str:
        return jwk_thumbprint(self.public)

    def sign(self, message: bytes) -> bytes:
        return nacl.signing.SigningKey(self.seed).sign(message).signature

    def __repr__(self) -> str:  # keep the seed out of tracebacks and logs
        return f"KeyPair(key_id={self.key_id!r})"


@functools.lru_cache(maxsize=64)
def _verify_key(public_key: bytes) -> nacl.signing.VerifyKey:
    """A key's VerifyKey, built once (a process sees a handful of keys)."""
    return nacl.signing.VerifyKey(public_key)


def verify_bytes(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Raw Ed25519 verification (libsodium: canonical S, no small-order keys)."""
    if len(public_key) != KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        _verify_key(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class PublishedKey:
    public: bytes
    status: str = "active"  # active | retired | revoked


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str | None
    slug: str | None = None
    version: Any = None
    key_id: str | None = None
    signed_by: Any = None
    signed_at: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "version": self.version,
            "valid": self.valid,
            "keyId": self.key_id,
            "signedBy": self.signed_by,
            "signedAt": self.signed_at,
            "reason": self.reason,
        }


def _passport_of(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise DocumentError("a document must be a JSON object", field="document")
    passport = document.get("passport", document if "unfragile" in document else None)
    if not isinstance(passport, dict):
        raise DocumentError("no passport object found", field="passport")
    return passport


def verify_document(document: Any, keys: Mapping[str, PublishedKey]) -> Verdict:
    """Verify a served document (or its `passport` object) against published keys.

    `document` is a parsed value, or the Json that canonical.read_json gives, which
    spares canonicalisation a walk when the value is plain.
    Raises DocumentError only when `document` is not a passport document at all.
    """
    plain = ordered = sortable = False
    if type(document) is Json:
        plain, ordered, sortable = document.plain, document.ordered, document.sortable
        document = document.value
    passport = _passport_of(document)
    return _verify(
        passport,
        passport.get("signature"),
        keys,
        lambda: signed_bytes(passport, plain=plain, ordered=ordered, sortable=sortable),
    )


def verify_signed(
    message: bytes, signed: dict[str, Any], signature: str, keys: Mapping[str, PublishedKey]
) -> Verdict:
    """Verify bytes as they were signed (a stored version's canonical text), without
    canonicalising anything; `signed` is those bytes parsed, which the verdict describes."""
    return _verify(signed, signature, keys, lambda: message)


def _verify(
    passport: dict[str, Any],
    signature_text: Any,
    keys: Mapping[str, PublishedKey],
    message_of: Callable[[], bytes],
) -> Verdict:
    """The one place that decides "valid": `message_of` gives the signed bytes."""
    unfragile = passport.get("unfragile")
    artifact = unfragile.get("artifact") if isinstance(unfragile, dict) else None
    slug = artifact.get("slug") if isinstance(artifact, dict) else None
    key_id = passport.get("keyId")

    def verdict(valid: bool, reason: str | None) -> Verdict:
        return Verdict(
            valid=valid,
            reason=reason,
            slug=slug if isinstance(slug, str) else None,
            version=passport.get("version"),
            key_id=key_id if isinstance(key_id, str) else None,
            signed_by=passport.get("signedBy"),
            signed_at=passport.get("signedAt"),
        )

    if signature_text is None:
        return verdict(False, "not signed")
    if not isinstance(key_id, str) or not key_id:
        return verdict(False, "no keyId: cannot tell which key signed it")
    key = keys.get(key_id)
    if key is None:
        return verdict(False, f"unknown key {key_id[:64]!r}")
    if key.status == "revoked":
        return verdict(False, "key revoked")
    try:
        signature = b64decode_strict(signature_text, length=SIGNATURE_BYTES, what="signature")
    except SignatureFormatError as exc:
        return verdict(False, f"malformed signature: {exc}")
    try:
        message = message_of()
    except DocumentError as exc:
        return verdict(False, f"cannot canonicalise: {exc.message}")
    if not verify_bytes(key.public, message, signature):
        return verdict(False, "signature does not match the document")
    return verdict(True, None)


def keys_from_jwks(jwks: Any) -> dict[str, PublishedKey]:
    """Published keys from a JWKS (ours carries a `status` member per key)."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise SignatureFormatError("a JWKS must be an object with a 'keys' list")
    keys: dict[str, PublishedKey] = {}
    for jwk in jwks["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        public = b64url_decode_strict(jwk.get("x"), length=KEY_BYTES, what="JWK x")
        key_id = jwk_thumbprint(public)
        if jwk.get("kid") not in (None, key_id):
            raise SignatureFormatError(f"JWK kid {jwk.get('kid')!r} is not the key's thumbprint")
        status = jwk.get("status", "active")
        keys[key_id] = PublishedKey(
            public=public, status=status if isinstance(status, str) else "active"
        )
    return keys


def key_from_base64(value: str) -> dict[str, PublishedKey]:
    public = b64decode_strict(value, length=KEY_BYTES, what="public key")
    return {jwk_thumbprint(public): PublishedKey(public=public)}
