"""The public test vectors trusted implementations use, through our own functions."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from passports.canonical import canonical_bytes, parse_json
from passports.signing import KeyPair, b64url_decode_strict, jwk_thumbprint, verify_bytes

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors"


def wycheproof_cases() -> list[tuple[int, str, str, str, str, str]]:
    data = json.loads((VECTORS / "wycheproof_ed25519_test.json").read_text())
    return [
        (
            case["tcId"],
            group["publicKey"]["pk"],
            case["msg"],
            case["sig"],
            case["result"],
            case["comment"],
        )
        for group in data["testGroups"]
        for case in group["tests"]
    ]


def test_wycheproof_file_is_complete() -> None:
    cases = wycheproof_cases()
    assert len(cases) == 151
    assert sum(result == "valid" for *_rest, result, _comment in cases) == 88


@pytest.mark.parametrize(("tc_id", "pk", "msg", "sig", "result", "comment"), wycheproof_cases())
def test_wycheproof_verdicts(
    tc_id: int, pk: str, msg: str, sig: str, result: str, comment: str
) -> None:
    assert result in ("valid", "invalid")
    verdict = verify_bytes(bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig))
    assert verdict is (result == "valid"), f"tcId {tc_id}: {comment}"


def rfc8032_cases() -> list[dict[str, str]]:
    return [
        v
        for v in json.loads((VECTORS / "rfc8032_vectors.json").read_text())
        if v["algorithm"] == "Ed25519"
    ]


def test_rfc8032_has_five_ed25519_vectors() -> None:
    assert len(rfc8032_cases()) == 5


@pytest.mark.parametrize("vector", rfc8032_cases(), ids=lambda v: f"msg{len(v['msg']) // 2}")
def test_rfc8032_signs_byte_exact(vector: dict[str, str]) -> None:
    pair = KeyPair.from_seed(bytes.fromhex(vector["priv"]))
    assert pair.public.hex() == vector["pub"]
    message = bytes.fromhex(vector["msg"])
    assert pair.sign(message).hex() == vector["sig"]
    assert verify_bytes(pair.public, message, bytes.fromhex(vector["sig"])) is True


def test_rfc8037_thumbprint_recomputes() -> None:
    data = json.loads((VECTORS / "rfc8037_appendix_a.json").read_text())
    public = b64url_decode_strict(data["public_jwk"]["x"], length=32, what="x")
    assert (
        jwk_thumbprint(public)
        == data["rfc7638_thumbprint_sha256"]
        == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    )
    pair = KeyPair.from_seed(b64url_decode_strict(data["private_jwk"]["d"], length=32, what="d"))
    assert pair.public == public
    assert pair.key_id == data["rfc7638_thumbprint_sha256"]


JCS_NAMES = sorted(p.stem for p in (VECTORS / "jcs" / "input").glob("*.json"))


def test_jcs_has_six_cases() -> None:
    assert JCS_NAMES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", JCS_NAMES)
def test_jcs_input_output_pairs(name: str) -> None:
    source = (VECTORS / "jcs" / "input" / f"{name}.json").read_bytes()
    expected = (VECTORS / "jcs" / "output" / f"{name}.json").read_bytes()
    hexed = bytes.fromhex("".join((VECTORS / "jcs" / "outhex" / f"{name}.txt").read_text().split()))
    assert expected == hexed
    assert canonical_bytes(parse_json(source)) == expected


def test_jcs_ten_thousand_numbers() -> None:
    lines = (VECTORS / "jcs" / "es6testfile_10k.txt").read_text().splitlines()
    assert len(lines) == 10000
    wrong: list[tuple[str, Any, str]] = []
    for line in lines:
        bits, expected = line.split(",")
        value = struct.unpack(">d", bytes.fromhex(bits.rjust(16, "0")))[0]
        got = canonical_bytes(value).decode()
        if got != expected:
            wrong.append((bits, got, expected))
    assert wrong == []
