"""Probe kinds: prompts with a fresh nonce, pure deterministic checkers."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from probes.kinds import (
    CheckResult,
    Probe,
    build,
    capability_kinds,
    check,
    kinds_for,
    new_nonce,
    png_solid,
)
from probes.models import Kind

from .provider import solve

ALL = [k.value for k in Kind]


@pytest.mark.parametrize("kind", ALL)
def test_kind_right_answer_passes_wrong_fails(kind: str) -> None:
    probe = build(kind, nonce="0a1b2c3d", context_tokens=300)
    assert check(probe, solve(probe.messages)).passed is True
    assert check(probe, solve(probe.messages, wrong=True)).passed is False


def test_kind_nonce_is_fresh_and_in_the_prompt() -> None:
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    probe = build("chat", nonce="deadbeef")
    assert probe.messages == [
        {"role": "user", "content": "Reply with exactly this code and nothing else: deadbeef"}
    ]
    assert build("streaming", nonce="deadbeef").stream is True


def test_png_solid_is_a_valid_png_of_one_colour() -> None:
    png = png_solid((220, 20, 20), size=8)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (8, 8)
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    rows = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert rows == (b"\x00" + bytes((220, 20, 20)) * 8) * 8
    probe = build("vision", nonce="00000001")
    url = probe.messages[0]["content"][1]["image_url"]["url"]
    assert base64.b64decode(url.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_long_context_needle_sits_at_its_depth() -> None:
    probe = build("long_context", nonce="cafef00d", context_tokens=2000)
    text = probe.messages[0]["content"]
    assert text.count("cafef00d") == 1
    assert round(text.index("cafef00d") / len(text), 1) == 0.6
    assert len(text) == pytest.approx(8000, rel=0.05)


@pytest.mark.parametrize(
    ("answer", "passed", "reason"),
    [
        ('{"code": "0a1b2c3d", "sum": 97}', True, "valid JSON with the given keys and values"),
        (
            '```json\n{"code": "0a1b2c3d", "sum": 97}\n```',
            True,
            "valid JSON with the given keys and values",
        ),
        (
            '{"code": "0a1b2c3d", "sum": 97, "x": 1}',
            False,
            "keys are ['code', 'sum', 'x'], expected ['code', 'sum']",
        ),
        ('{"code": "0a1b2c3d", "sum": 98}', False, "wrong values"),
        ("[1, 2]", False, "not a JSON object"),
        ("{'code': 1}", False, "not valid JSON"),
    ],
)
def test_json_checker(answer: str, passed: bool, reason: str) -> None:
    probe = build("json", nonce="0a1b2c3d")
    assert probe.expect == {"code": "0a1b2c3d", "sum": 0x0A1B2C3D % 97 + 0x0A1B2C3D % 89}
    assert 0x0A1B2C3D % 97 + 0x0A1B2C3D % 89 == 97
    assert check(probe, answer) == CheckResult(passed, reason)


@pytest.mark.parametrize(
    ("answer", "passed", "reason"),
    [
        ("def f_0a1b2c3d(x):\n    return x + 1\n", True, "parses and defines the function"),
        ("def f_0a1b2c3d(x)\n    return x", False, "the code does not parse"),
        ("def other(x):\n    return x\n", False, "no such function"),
    ],
)
def test_code_checker_parses_never_runs(answer: str, passed: bool, reason: str) -> None:
    assert check(build("code", nonce="0a1b2c3d"), answer) == CheckResult(passed, reason)


def test_vision_checker_wants_exactly_the_colour() -> None:
    probe = Probe("vision", "00000000", [], expect={"colour": "blue"})
    assert check(probe, "Blue.").passed is True
    assert check(probe, "blue or red").passed is False


def test_kinds_follow_capabilities() -> None:
    assert kinds_for(["text"]) == [
        "chat",
        "json",
        "streaming",
        "long_context",
        "translation",
        "code",
    ]
    assert kinds_for(["text", "image"]) == ALL
    assert capability_kinds({"name": "code-generation", "input_types": ["text"]}) == {
        "chat",
        "code",
    }
    assert capability_kinds({"name": "visual QA", "input_types": ["image (PNG)"]}) == {
        "chat",
        "vision",
    }
