"""C2SP signed-note and tlog-checkpoint against the published examples, and every format rule."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from passports.note import (
    EM_DASH,
    Checkpoint,
    NoteError,
    Verifier,
    checkpoint_body,
    key_id,
    open_checkpoint,
    parse_checkpoint,
    parse_verifier_key,
    sign_note,
    verifier_key,
    verify_note,
)
from passports.signing import KeyPair

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((REPO.parent / "shared" / "vectors" / "signed_note_example.json").read_text())
EXAMPLE_TEXT = "This is an example message.\n"

# The example of golang.org/x/mod/sumdb/note's package documentation: a private
# key, so signing is checked byte for byte against another implementation.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = f"{EM_DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = f"{EM_DASH} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

SEED = bytes(range(32))
LOG = "registry.example/log"


def peter_seed() -> bytes:
    material = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert material[0] == 0x01
    return material[1:]


def test_example_note_verifies() -> None:
    verified = verify_note(EXAMPLE["note"], [EXAMPLE["vkey"]])
    assert verified.text == EXAMPLE_TEXT
    assert [(s.name, s.key_id.hex()) for s in verified.signers] == [("example.com/foo", "530d903a")]
    assert verified.other_signatures == ()
    assert verify_note(EXAMPLE["note"].encode("utf-8"), [EXAMPLE["vkey"]]).text == EXAMPLE_TEXT


def test_example_verifier_key_round_trips() -> None:
    verifier = parse_verifier_key(EXAMPLE["vkey"])
    assert verifier.key_id == bytes.fromhex("530d903a")
    assert str(verifier) == EXAMPLE["vkey"]
    assert verifier_key(name="example.com/foo", public_key=verifier.public_key) == EXAMPLE["vkey"]
    assert key_id(name="example.com/foo", public_key=verifier.public_key).hex() == "530d903a"


def flip_byte_of_signature(note: str) -> str:
    head, encoded = note.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x01
    return f"{head} {base64.b64encode(bytes(raw)).decode()}\n"


def test_example_note_fails_when_anything_changes() -> None:
    note, vkey = EXAMPLE["note"], EXAMPLE["vkey"]
    example = parse_verifier_key(vkey)
    other_key = KeyPair.from_seed(SEED).public
    cases = [
        # A flipped byte in the text, then in the signature.
        (note.replace("example message", "example massage"), [vkey], "does not verify"),
        (flip_byte_of_signature(note), [vkey], "does not verify"),
        # Another key under the same name: another key id, so the signature is not its.
        (note, [verifier_key(name="example.com/foo", public_key=other_key)], "no signature"),
        # The same key under another name.
        (note, [verifier_key(name="example.com/bar", public_key=example.public_key)], "no sig"),
        # Same name and key id, another public key: known, so it must verify, and fails.
        (note, [Verifier(name=example.name, key_id=example.key_id, public_key=other_key)], "does"),
        (note, [], "no signature by a known key"),
    ]
    for changed, keys, message in cases:
        with pytest.raises(NoteError, match=message):
            verify_note(changed, keys)


def test_sign_note_matches_the_go_implementation() -> None:
    peter = KeyPair.from_seed(peter_seed())
    assert verifier_key(name="PeterNeumann", public_key=peter.public) == PETER_VKEY
    signed = sign_note(GO_TEXT, name="PeterNeumann", private_seed=peter_seed())
    assert signed == f"{GO_TEXT}\n{PETER_SIG}"


def test_two_signers_and_unknown_signatures() -> None:
    note = f"{GO_TEXT}\n{PETER_SIG}{ENOCH_SIG}"
    both = verify_note(note, [PETER_VKEY, ENOCH_VKEY])
    assert [s.name for s in both.signers] == ["PeterNeumann", "EnochRoot"]
    only_enoch = verify_note(note, [ENOCH_VKEY])
    assert [s.name for s in only_enoch.signers] == ["EnochRoot"]
    assert [(s.name, s.key_id.hex()) for s in only_enoch.other_signatures] == [
        ("PeterNeumann", "c74f20a3")
    ]


def test_sign_then_verify_with_a_fresh_key() -> None:
    key = KeyPair.from_seed(SEED)
    note = sign_note("a\n\nb\n", name=LOG, private_seed=SEED)  # the text may hold blank lines
    verified = verify_note(note, [verifier_key(name=LOG, public_key=key.public)])
    assert verified.text == "a\n\nb\n"


SIG = EXAMPLE["note"].split("\n\n", 1)[1]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (EXAMPLE_TEXT + SIG, "a note has no blank line before its signatures"),
        (EXAMPLE["note"].rstrip("\n"), "a note ends with a signature line and a newline"),
        (EXAMPLE_TEXT + "\n" + SIG.replace(EM_DASH, "-"), "signature line 1 is not"),
        (EXAMPLE_TEXT + "\n" + SIG.replace(" ", "  ", 1), "key name '' is empty"),
        (EXAMPLE_TEXT + "\n" + SIG.replace("foo ", "foo+x "), "key name 'example.com/foo\\+x'"),
        (EXAMPLE_TEXT + "\n" + SIG.replace("=\n", "\n"), "signature 1 is not valid base64"),
        (EXAMPLE_TEXT + "\n" + SIG.replace("aQM=", "aQN="), "not in canonical base64 form"),
        (EXAMPLE_TEXT + "\n" + f"{EM_DASH} example.com/foo AAAA\n", "too short to hold a key id"),
        (EXAMPLE_TEXT + "\n" + SIG + SIG, "key 'example.com/foo' signed the note twice"),
        (EXAMPLE_TEXT + "\n" + SIG + "\n", "a note ends with a signature line and a newline"),
        ("This\tis an example message.\n\n" + SIG, "control character other than newline"),
        ("\ud800\n\n" + SIG, "note is not valid UTF-8"),
        (b"\xff\n\n" + SIG.encode(), "a note is not valid UTF-8"),
        (EXAMPLE_TEXT + "\n" + ENOCH_SIG * 101, "at most 100 signatures"),
    ],
)
def test_malformed_notes_are_refused(note: str | bytes, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        verify_note(note, [EXAMPLE["vkey"]])


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
        ("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
        ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "not Ed25519"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U0=", "expected 33"),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 hex digits"),
        ("example.com/foo+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 hex digits"),
        ("example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "has a space"),
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse_verifier_key(vkey)


def test_verifier_keys_sharing_name_and_id_are_refused() -> None:
    example = parse_verifier_key(EXAMPLE["vkey"])
    impostor = Verifier(name=example.name, key_id=example.key_id, public_key=bytes(32))
    with pytest.raises(NoteError, match="two verifier keys share name 'example.com/foo'"):
        verify_note(EXAMPLE["note"], [example, impostor])


@pytest.mark.parametrize(
    ("text", "name", "seed", "message"),
    [
        ("no final newline", LOG, SEED, "note text must end with a newline"),
        ("a\x00\n", LOG, SEED, "control character"),
        ("a\n", "two words", SEED, "has a space"),
        ("a\n", "a+b", SEED, "has a space or '\\+'"),
        ("a\n", "", SEED, "is empty"),
        ("a\n", LOG, SEED[:31], "private key is 31 bytes"),
    ],
)
def test_sign_note_refuses(text: str, name: str, seed: bytes, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        sign_note(text, name=name, private_seed=seed)


# The example of c2sp.org/tlog-checkpoint.
SOFA = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def test_checkpoint_of_the_spec_example() -> None:
    checkpoint = parse_checkpoint(SOFA)
    assert checkpoint == Checkpoint(
        origin="example.com/behind-the-sofa", size=20852163, root_hash=SOFA_ROOT
    )
    assert checkpoint_body("example.com/behind-the-sofa", 20852163, SOFA_ROOT) == SOFA


def test_checkpoint_extension_lines_round_trip() -> None:
    body = checkpoint_body(LOG, 0, bytes(32), ["ext one", "ext two"])
    assert body == f"{LOG}\n0\n{'A' * 43}=\next one\next two\n"
    assert parse_checkpoint(body).extensions == ("ext one", "ext two")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("example.com/log\n5\n", "at least three lines"),
        (SOFA.rstrip("\n"), "ends with a newline"),
        ("\n5\n" + SOFA.split("\n")[2] + "\n", "none empty"),
        (SOFA + "\n", "none empty"),
        (SOFA.replace("20852163", "020852163"), "not a decimal uint64"),
        (SOFA.replace("20852163", "-1"), "not a decimal uint64"),
        (SOFA.replace("20852163", "+1"), "not a decimal uint64"),
        (SOFA.replace("20852163", str(2**64)), "not a decimal uint64"),
        (SOFA.replace("20852163", "\u0661"), "not a decimal uint64"),
        (SOFA.replace("2I=", "2I"), "not valid base64"),
        (f"{LOG}\n1\n{base64.b64encode(bytes(31)).decode()}\n", "31 bytes; expected 32"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse_checkpoint(text)


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [("", 1, bytes(32), []), ("a\nb", 1, bytes(32), []), (LOG, -1, bytes(32), [])]
    + [(LOG, 2**64, bytes(32), []), (LOG, 1, bytes(31), []), (LOG, 1, bytes(32), [""])],
)
def test_checkpoint_body_refuses(
    origin: str, size: int, root: bytes, extensions: list[str]
) -> None:
    with pytest.raises(NoteError):
        checkpoint_body(origin, size, root, extensions)


def test_open_checkpoint_checks_signature_and_origin() -> None:
    vkey = verifier_key(name=LOG, public_key=KeyPair.from_seed(SEED).public)
    note = sign_note(checkpoint_body(LOG, 7, SOFA_ROOT), name=LOG, private_seed=SEED)
    assert open_checkpoint(note, verifier_keys=[vkey], origin=LOG) == Checkpoint(
        origin=LOG, size=7, root_hash=SOFA_ROOT
    )
    with pytest.raises(NoteError, match="checkpoint origin 'registry.example/log' is not"):
        open_checkpoint(note, verifier_keys=[vkey], origin="other.example/log")
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_checkpoint(note, verifier_keys=[EXAMPLE["vkey"]], origin=LOG)
