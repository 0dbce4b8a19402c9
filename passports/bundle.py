"""A passport bundle, checked offline: the signed document, its log entry, proof and checkpoint.

A bundle (GET /api/v1/passport/<slug>/bundle) is
{"document", "logEntry", "logIndex", "inclusion", "checkpoint"}. It holds when,
in this order (the first that fails is named):

1. signature: the passport's Ed25519 signature verifies with the registry's keys;
2. entry: the log entry recomputed from the document is the logged one;
3. checkpoint: the checkpoint is a signed-note by the log's key, for its origin;
4. witness: when witness keys are given, at least one of them cosigned it
   (C2SP tlog-cosignature v1);
5. inclusion: the entry's leaf is in the checkpoint's tree (RFC 9162 2.1.3.2).

Pure: PyNaCl and rfc8785 only, like the rest of the offline verifier.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .canonical import DocumentError, canonical_bytes, signed_bytes
from .cosignature import cosigned_by, parse_cosigner_vkey
from .merkle import ProofError, leaf_hash, verify_inclusion
from .note import NoteError, open_checkpoint, parse_verifier_key
from .signing import PublishedKey, verify_document

STEPS = ("signature", "entry", "checkpoint", "witness", "inclusion")


@dataclass(frozen=True)
class BundleVerdict:
    valid: bool
    step: str | None  # the first step that failed
    reason: str | None
    slug: str | None = None
    version: int | None = None
    log_index: int | None = None
    tree_size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "failedStep": self.step,
            "reason": self.reason,
            "slug": self.slug,
            "version": self.version,
            "logIndex": self.log_index,
            "treeSize": self.tree_size,
        }


def is_bundle(document: Any) -> bool:
    return isinstance(document, Mapping) and "document" in document and "checkpoint" in document


def passport_entry(
    *, slug: Any, version: Any, digest_hex: str, key_id: Any, signed_at: Any
) -> dict[str, Any]:
    """The log entry of a signed passport version (the one format, README)."""
    return {
        "type": "passport",
        "slug": slug,
        "version": version,
        "digest": f"sha256:{digest_hex}",
        "keyId": key_id,
        "signedAt": signed_at,
    }


def passport_entry_bytes(passport: Mapping[str, Any]) -> bytes:
    """The log entry of a served passport, recomputed from it as anyone can."""
    unfragile = passport.get("unfragile")
    artifact = unfragile.get("artifact") if isinstance(unfragile, Mapping) else None
    return canonical_bytes(
        passport_entry(
            slug=artifact.get("slug") if isinstance(artifact, Mapping) else None,
            version=passport.get("version"),
            digest_hex=hashlib.sha256(signed_bytes(dict(passport))).hexdigest(),
            key_id=passport.get("keyId"),
            signed_at=passport.get("signedAt"),
        )
    )


def verify_bundle(
    bundle: Any,
    *,
    keys: Mapping[str, PublishedKey],
    log_key: str,
    witness_keys: Sequence[str] = (),
) -> BundleVerdict:
    """Check a bundle offline; the verdict names the first failing step. Raises NoteError for a
    log key that is not a verifier key string (a usage error, not a bad bundle)."""
    verifier = parse_verifier_key(log_key)
    cosigners = [parse_cosigner_vkey(key) for key in witness_keys]
    if not is_bundle(bundle):
        return BundleVerdict(False, "signature", "not a bundle: no document and checkpoint")
    document = bundle["document"]
    try:
        verdict = verify_document(document, keys)
    except DocumentError as exc:
        return BundleVerdict(False, "signature", exc.message)
    where = {"slug": verdict.slug, "version": verdict.version}
    if not verdict.valid:
        return BundleVerdict(False, "signature", verdict.reason, **where)

    logged = bundle.get("logEntry")
    passport = document.get("passport", document) if isinstance(document, Mapping) else {}
    try:
        entry = passport_entry_bytes(passport)
    except DocumentError as exc:
        return BundleVerdict(False, "entry", exc.message, **where)
    if not isinstance(logged, str) or logged.encode("utf-8") != entry:
        return BundleVerdict(
            False, "entry", "the logged entry is not the one this document gives", **where
        )

    try:
        checkpoint = open_checkpoint(
            bundle.get("checkpoint"), verifier_keys=[verifier], origin=verifier.name
        )
    except NoteError as exc:
        return BundleVerdict(False, "checkpoint", str(exc), **where)

    if cosigners and not cosigned_by(bundle["checkpoint"], cosigners):
        return BundleVerdict(
            False, "witness", "no cosignature by a given witness on the checkpoint", **where
        )

    index = bundle.get("logIndex")
    where_logged = {**where, "log_index": index, "tree_size": checkpoint.size}
    try:
        inclusion = [base64.b64decode(h, validate=True) for h in bundle.get("inclusion") or []]
        if isinstance(index, bool) or not isinstance(index, int):
            raise ProofError("logIndex must be a whole number")
        verify_inclusion(
            index=index,
            tree_size=checkpoint.size,
            leaf_hash=leaf_hash(entry),
            proof=inclusion,
            root=checkpoint.root_hash,
        )
    except (ProofError, ValueError, TypeError, binascii.Error) as exc:
        return BundleVerdict(False, "inclusion", str(exc), **where_logged)  # type: ignore[arg-type]
    return BundleVerdict(True, None, None, **where_logged)  # type: ignore[arg-type]
