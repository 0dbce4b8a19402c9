"""The private signing key: a file, never the database, a log or a response."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings

from .signing import KEY_BYTES, KeyPair, SignatureFormatError, b64url, b64url_decode_strict


class SigningKeyFileError(Exception):
    pass


def key_file() -> Path:
    return Path(settings.PASSPORT_SIGNING_KEY_FILE)


def read_key_file(path: Path | None = None) -> KeyPair | None:
    path = path or key_file()
    if not path.exists():
        return None
    try:
        jwk = json.loads(path.read_text(encoding="ascii"))
        seed = b64url_decode_strict(jwk.get("d"), length=KEY_BYTES, what="private key")
    except (OSError, ValueError, AttributeError, SignatureFormatError) as exc:
        # Say which file, never what is in it.
        raise SigningKeyFileError(f"{path} is not a readable Ed25519 private JWK") from exc
    pair = KeyPair.from_seed(seed)
    if jwk.get("x") not in (None, b64url(pair.public)):
        raise SigningKeyFileError(f"{path}: public half does not match the private key")
    return pair


def write_key_file(pair: KeyPair, path: Path | None = None) -> Path:
    """Write atomically, readable by the owner only (0600)."""
    path = path or key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "d": b64url(pair.seed),
        "x": b64url(pair.public),
        "kid": pair.key_id,
    }
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".signing-", suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            json.dump(jwk, out)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
