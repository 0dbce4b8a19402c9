"""Verify a passport offline: python -m passports.verify FILE [--jwks FILE_OR_URL] [--key BASE64]
[--log-key VERIFIER_KEY].

FILE is a served passport document, or a bundle (GET /api/v1/passport/<slug>/bundle),
which --log-key also checks against the transparency log: the entry, the inclusion
proof and the checkpoint's signature (passports.bundle). Needs only PyNaCl and
rfc8785 (orjson, when installed, reads and writes the canonical bytes sooner). Exit
status: 0 valid, 1 invalid (the failing step and reason are printed), 2 usage error
(unreadable file, not a passport, no key given).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

from .bundle import is_bundle, verify_bundle
from .canonical import MAX_DOCUMENT_BYTES, DocumentError, Json, read_json
from .note import NoteError
from .signing import (
    PublishedKey,
    SignatureFormatError,
    key_from_base64,
    keys_from_jwks,
    verify_document,
)

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _read(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=10) as response:  # noqa: S310 (http(s) only)
                return bytes(response.read(MAX_DOCUMENT_BYTES + 1))
        except OSError as exc:
            raise UsageError(f"cannot fetch {source}: {exc}") from exc
    try:
        if source == "-":
            return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        return Path(source).read_bytes()[: MAX_DOCUMENT_BYTES + 1]
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from exc


def _parse(source: str) -> Json:
    try:
        # Member order is not kept: a verdict reads fields, and the bundle's checks
        # canonicalise what they hash.
        return read_json(_read(source), ordered=True)
    except DocumentError as exc:
        raise UsageError(f"{source}: {exc.message}") from exc


def load_keys(jwks: str | None, key: str | None) -> dict[str, PublishedKey]:
    keys: dict[str, PublishedKey] = {}
    try:
        if jwks:
            keys.update(keys_from_jwks(_parse(jwks).value))
        if key:
            keys.update(key_from_base64(key))
    except SignatureFormatError as exc:
        raise UsageError(str(exc)) from exc
    if not keys:
        raise UsageError("no key: give --jwks FILE_OR_URL or --key BASE64")
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m passports.verify", description="Verify a trust passport's signature."
    )
    parser.add_argument("file", help="a served passport document (file, URL, or - for stdin)")
    parser.add_argument("--jwks", help="JWKS file or URL (e.g. https://HOST/.well-known/jwks.json)")
    parser.add_argument("--key", help="an Ed25519 public key, standard base64 (32 bytes)")
    parser.add_argument(
        "--log-key",
        help="the log's signed-note verifier key (GET /api/v1/log: verifierKey); checks a bundle",
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's cosigner key; the bundle's checkpoint must carry its cosignature "
        "(repeat for several: one is enough)",
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_VALID
    try:
        keys = load_keys(args.jwks, args.key)
        document = _parse(args.file)
        if is_bundle(document.value) or args.log_key:
            return _bundle(document.value, keys, args.log_key, args.witness, as_json=args.json)
        verdict = verify_document(document, keys)
    except (UsageError, DocumentError) as exc:
        message = exc.message if isinstance(exc, DocumentError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(verdict.as_dict()))
    elif verdict.valid:
        print(
            f"valid: {verdict.slug} version {verdict.version}, signed by {verdict.signed_by} "
            f"at {verdict.signed_at} with key {verdict.key_id}"
        )
    else:
        print(f"invalid: {verdict.reason}")
    return EXIT_VALID if verdict.valid else EXIT_INVALID


def _bundle(
    document: Any,
    keys: dict[str, PublishedKey],
    log_key: str | None,
    witnesses: list[str],
    *,
    as_json: bool,
) -> int:
    if not is_bundle(document):
        raise UsageError(
            "--log-key checks a bundle (document, logEntry, logIndex, inclusion, checkpoint)"
        )
    if not log_key:
        raise UsageError("a bundle needs --log-key VERIFIER_KEY (GET /api/v1/log: verifierKey)")
    try:
        verdict = verify_bundle(document, keys=keys, log_key=log_key, witness_keys=witnesses)
    except NoteError as exc:
        raise UsageError(f"--log-key or --witness: {exc}") from exc
    if as_json:
        print(json.dumps(verdict.as_dict()))
    elif verdict.valid:
        print(
            f"valid: {verdict.slug} version {verdict.version}, logged at index "
            f"{verdict.log_index} of a tree of {verdict.tree_size} signed by the log"
        )
    else:
        print(f"invalid at {verdict.step}: {verdict.reason}")
    return EXIT_VALID if verdict.valid else EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
