"""C2SP tlog-cosignature, Ed25519 (cosignature/v1): a witness's timestamped signature on a checkpoint.

- key id: SHA-256(<name> || "\\n" || 0x04 || 32-byte public key)[:4];
- signed message: "cosignature/v1\\n", "time <POSIX seconds>\\n", then the checkpoint's
  note body (with its final newline, without signature lines);
- signature line: "— <name> base64(key id || u64 big-endian timestamp || signature)".

Pure: PyNaCl only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from .note import NoteError

COSIGNATURE_V1 = 0x04
EM_DASH = "\u2014"


def cosigner_key_id(*, name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + public_key
    ).digest()[:4]


def cosigner_vkey(*, name: str, public_key: bytes) -> str:
    """`<name>+<hex key id>+base64(0x04 || public key)`, the signed-note vkey of a cosigner."""
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + public_key).decode("ascii")
    return f"{name}+{cosigner_key_id(name=name, public_key=public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Cosigner:
    name: str
    key_id: bytes
    public_key: bytes


def parse_cosigner_vkey(text: str) -> Cosigner:
    parts = text.split("+", 2) if isinstance(text, str) else []
    if len(parts) != 3:
        raise NoteError("a cosigner key is <name>+<8 hex digits>+<base64 key>")
    name, id_hex, encoded = parts
    try:
        material = base64.b64decode(encoded, validate=True)
        key_id = bytes.fromhex(id_hex)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("a cosigner key is <name>+<8 hex digits>+<base64 key>") from exc
    if len(material) != 33 or material[0] != COSIGNATURE_V1:
        raise NoteError("a cosigner key is type 0x04 with a 32-byte Ed25519 key")
    public_key = material[1:]
    if key_id != cosigner_key_id(name=name, public_key=public_key):
        raise NoteError(f"cosigner key id {id_hex} does not match its name and key")
    return Cosigner(name=name, key_id=key_id, public_key=public_key)


def cosigned_message(body: str, *, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode("utf-8")


def cosign(body: str, *, name: str, private_seed: bytes, timestamp: int) -> str:
    """The cosignature line (with its newline) of `name` on a checkpoint body."""
    key = nacl.signing.SigningKey(private_seed)
    signature = key.sign(cosigned_message(body, timestamp=timestamp)).signature
    raw = (
        cosigner_key_id(name=name, public_key=bytes(key.verify_key))
        + struct.pack(">Q", timestamp)
        + signature
    )
    return f"{EM_DASH} {name} {base64.b64encode(raw).decode('ascii')}\n"


def cosigned_by(note: str, cosigners: list[Cosigner]) -> list[str]:
    """The names of these cosigners whose cosignature on the note's body verifies."""
    body, separator, block = note.rpartition("\n\n")
    if not separator:
        return []
    body += "\n"
    verified: list[str] = []
    for line in block.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except binascii.Error:
            continue
        if len(raw) != 4 + 8 + 64:
            continue
        for cosigner in cosigners:
            if cosigner.name != parts[1] or cosigner.key_id != raw[:4]:
                continue
            (timestamp,) = struct.unpack(">Q", raw[4:12])
            try:
                nacl.signing.VerifyKey(cosigner.public_key).verify(
                    cosigned_message(body, timestamp=timestamp), raw[12:]
                )
            except nacl.exceptions.BadSignatureError:
                continue
            if cosigner.name not in verified:
                verified.append(cosigner.name)
    return verified
