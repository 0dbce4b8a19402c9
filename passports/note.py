"""C2SP signed-note with Ed25519, and the C2SP tlog-checkpoint body it carries.

Pure: PyNaCl through passports.signing, nothing of Django. The formats
(https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint):

- a verifier key is `<name>+<hex key id>+<base64(0x01 || 32-byte public key)>`,
  key id = SHA-256(name || 0x0A || 0x01 || public key)[:4];
- a signed note is its text (ending in a newline), a blank line, then one or
  more lines `— <name> <base64(key id || signature)>` (U+2014, the em dash);
  the signature is Ed25519 over the text's UTF-8 bytes, final newline included;
- a checkpoint's text is the origin line, the tree size in decimal, the
  base64 root hash, then optional non-empty extension lines.

Everything malformed, unverifiable or unexpected raises NoteError (a
ValueError) naming what is wrong; a note is only ever read through
`verify_note`, which answers the text and who signed it, or raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .signing import (
    KEY_BYTES,
    KeyPair,
    SignatureFormatError,
    b64decode_strict,
    verify_bytes,
)

ED25519 = 0x01  # signed-note signature type for Ed25519
EM_DASH = "\u2014"
KEY_ID_BYTES = 4
HASH_BYTES = 32
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100  # signed-note: verifiers MUST accept at least 16
MAX_TREE_SIZE = 1 << 64

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A note, verifier key or checkpoint that is malformed or does not verify."""


def _check_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise NoteError(f"{what} must be a string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NoteError(f"{what} is not valid UTF-8") from exc
    if _CONTROL.search(text):
        raise NoteError(f"{what} contains a control character other than newline")
    return text


def _check_name(name: object) -> str:
    """signed-note: key names are non-empty, with no Unicode space and no '+'."""
    name = _check_text(name, "key name")
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise NoteError(f"key name {name[:100]!r} is empty or has a space or '+'")
    return name


def _b64decode(value: str, what: str) -> bytes:
    """Standard padded base64, canonical only (re-encoding gives the input back)."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise NoteError(f"{what} is not in canonical base64 form")
    return raw


def key_id(*, name: str, public_key: bytes) -> bytes:
    """signed-note Ed25519 key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    material = _check_name(name).encode("utf-8") + b"\n" + bytes([ED25519]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_BYTES]


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note verifier key; build it with `parse_verifier_key` or `verifier_key`."""

    name: str
    key_id: bytes
    public_key: bytes

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def verifier_key(*, name: str, public_key: bytes) -> str:
    """The verifier key string `<name>+<hex key id>+<base64(0x01 || public key)>`."""
    if not isinstance(public_key, bytes) or len(public_key) != KEY_BYTES:
        raise NoteError(f"an Ed25519 public key is {KEY_BYTES} bytes")
    return str(
        Verifier(name=name, key_id=key_id(name=name, public_key=public_key), public_key=public_key)
    )


def parse_verifier_key(text: str) -> Verifier:
    """A verifier key string, checked: Ed25519 type, 32-byte key, and the key id it implies."""
    parts = text.split("+", 2) if isinstance(text, str) else []
    if len(parts) != 3 or not _KEY_ID_HEX.fullmatch(parts[1]):
        raise NoteError("a verifier key is <name>+<8 hex digits>+<base64 key>")
    name, id_hex, encoded = parts
    _check_name(name)
    try:
        material = b64decode_strict(encoded, length=1 + KEY_BYTES, what="verifier key")
    except SignatureFormatError as exc:
        raise NoteError(str(exc)) from exc
    if material[0] != ED25519:
        raise NoteError(f"verifier key type {material[0]:#04x} is not Ed25519 (0x01)")
    public_key = material[1:]
    expected = key_id(name=name, public_key=public_key)
    if bytes.fromhex(id_hex) != expected:
        raise NoteError(f"verifier key id {id_hex} does not match its name and key")
    return Verifier(name=name, key_id=expected, public_key=public_key)


def sign_note(text: str, *, name: str, private_seed: bytes) -> str:
    """signed-note: `text`, a blank line, and one Ed25519 signature line by key `name`."""
    _check_text(text, "note text")
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    try:
        key = KeyPair.from_seed(private_seed)
    except SignatureFormatError as exc:
        raise NoteError(str(exc)) from exc
    signature = key_id(name=name, public_key=key.public) + key.sign(text.encode("utf-8"))
    return f"{text}\n{EM_DASH} {name} {base64.b64encode(signature).decode('ascii')}\n"


@dataclass(frozen=True)
class NoteSignature:
    """A signature line by a key the verifier was not given (kept, never trusted)."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class VerifiedNote:
    text: str
    signers: tuple[Verifier, ...]  # the given keys whose signatures verified, in note order
    other_signatures: tuple[NoteSignature, ...]


def _known_keys(verifier_keys: Iterable[str | Verifier]) -> dict[tuple[str, bytes], Verifier]:
    known: dict[tuple[str, bytes], Verifier] = {}
    for key in verifier_keys:
        verifier = key if isinstance(key, Verifier) else parse_verifier_key(key)
        other = known.setdefault((verifier.name, verifier.key_id), verifier)
        if other.public_key != verifier.public_key:
            raise NoteError(f"two verifier keys share name {verifier.name!r} and key id")
    return known


def _signature_lines(block: str) -> list[NoteSignature]:
    if not block.endswith("\n"):
        raise NoteError("a note ends with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note carries at most {MAX_SIGNATURES} signatures")
    signatures = []
    for number, line in enumerate(lines, start=1):
        name, space, encoded = line.removeprefix(f"{EM_DASH} ").partition(" ")
        if not line.startswith(f"{EM_DASH} ") or not space:
            raise NoteError(f"signature line {number} is not '— <name> <base64>'")
        _check_name(name)
        raw = _b64decode(encoded, f"signature {number}")
        if len(raw) <= KEY_ID_BYTES:
            raise NoteError(f"signature {number} is too short to hold a key id")
        signatures.append(NoteSignature(name=name, key_id=raw[:4], signature=raw[4:]))
    return signatures


def verify_note(note: str | bytes, verifier_keys: Iterable[str | Verifier]) -> VerifiedNote:
    """signed-note: the text of `note` and the given keys that signed it, or NoteError.

    Signatures by keys not given (other name or key id) are ignored, as the
    spec requires; a signature by a given key that fails rejects the whole note,
    as does a given key signing twice; at least one given key must have signed.
    """
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError(f"a note is at most {MAX_NOTE_BYTES} bytes")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("a note is not valid UTF-8") from exc
    _check_text(note, "note")
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise NoteError(f"a note is at most {MAX_NOTE_BYTES} bytes")
    known = _known_keys(verifier_keys)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a note has no blank line before its signatures")
    text = note[: split + 1]
    signed = text.encode("utf-8")
    signers: list[Verifier] = []
    others: dict[tuple[str, bytes], NoteSignature] = {}
    for signature in _signature_lines(note[split + 2 :]):
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            others.setdefault((signature.name, signature.key_id), signature)
            continue
        if verifier in signers:
            raise NoteError(f"key {verifier.name!r} signed the note twice")
        if not verify_bytes(verifier.public_key, signed, signature.signature):
            raise NoteError(f"the signature by {verifier.name!r} does not verify")
        signers.append(verifier)
    if not signers:
        raise NoteError("no signature by a known key")
    return VerifiedNote(text=text, signers=tuple(signers), other_signatures=tuple(others.values()))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()


def checkpoint_body(
    origin: str, size: int, root_hash: bytes, extensions: Iterable[str] = ()
) -> str:
    """tlog-checkpoint note text: origin, decimal tree size, base64 root hash, extension lines."""
    lines = [origin, *extensions]
    for line in lines:
        _check_text(line, "checkpoint line")
        if not line or "\n" in line:
            raise NoteError("checkpoint lines are non-empty and hold no newline")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < MAX_TREE_SIZE:
        raise NoteError(f"tree size {size!r} is out of range")
    if not isinstance(root_hash, bytes) or len(root_hash) != HASH_BYTES:
        raise NoteError(f"a root hash is {HASH_BYTES} bytes")
    encoded = base64.b64encode(root_hash).decode("ascii")
    return "".join(f"{line}\n" for line in [origin, str(size), encoded, *lines[1:]])


def parse_checkpoint(text: str) -> Checkpoint:
    """tlog-checkpoint: a (verified) note text as origin, size, root hash and extensions."""
    _check_text(text, "checkpoint")
    if not text.endswith("\n"):
        raise NoteError("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint is at least three lines, none empty")
    origin, size, encoded, *extensions = lines
    if not _DECIMAL.fullmatch(size) or int(size) >= MAX_TREE_SIZE:
        raise NoteError(f"checkpoint tree size {size[:30]!r} is not a decimal uint64")
    try:
        root = b64decode_strict(encoded, length=HASH_BYTES, what="checkpoint root hash")
    except SignatureFormatError as exc:
        raise NoteError(str(exc)) from exc
    return Checkpoint(origin=origin, size=int(size), root_hash=root, extensions=tuple(extensions))


def open_checkpoint(
    note: str | bytes, *, verifier_keys: Iterable[str | Verifier], origin: str
) -> Checkpoint:
    """A signed checkpoint from the log `origin`: verify_note, then parse_checkpoint, then the origin."""
    checkpoint = parse_checkpoint(verify_note(note, verifier_keys).text)
    if checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin {checkpoint.origin[:100]!r} is not {origin!r}")
    return checkpoint
