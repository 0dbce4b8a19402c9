"""Probe kinds: a prompt builder and a pure deterministic checker each.

Every probe carries a fresh random nonce, so no cache can hold its answer.
Checkers never execute what a model wrote (code is parsed, not run).
"""

from __future__ import annotations

import ast
import base64
import json
import re
import secrets
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import Kind

MAX_TOKENS = 200
COLOURS = {"red": (220, 20, 20), "green": (20, 180, 20), "blue": (20, 20, 220)}
FILLER = (
    "The archive keeps records of weather, harvests and river levels for every year. "
    "Clerks copy each page twice and file the copies in separate rooms. "
)
NEEDLE_DEPTH = 0.6  # the needle sits 60% of the way into the context
TRANSLATION = ("The black cat sleeps in the garden.", "French", ("chat", "noir", "jardin"))


@dataclass(frozen=True)
class Probe:
    kind: str
    nonce: str
    messages: list[dict[str, Any]]
    stream: bool = False
    max_tokens: int = MAX_TOKENS
    expect: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    reason: str


def new_nonce() -> str:
    return secrets.token_hex(4)


def png_solid(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A size x size PNG of one colour, made with zlib and struct (no imaging library)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def build(kind: str, *, nonce: str, context_tokens: int = 4000) -> Probe:
    """The prompt of one probe kind around `nonce` (8 hex digits)."""
    number = int(nonce, 16)
    if kind == Kind.CHAT:
        text = f"Reply with exactly this code and nothing else: {nonce}"
        return Probe(kind, nonce, _user(text))
    if kind == Kind.STREAMING:
        text = f"Reply with exactly this code and nothing else: {nonce}"
        return Probe(kind, nonce, _user(text), stream=True)
    if kind == Kind.JSON:
        a, b = number % 97, number % 89
        text = (
            "Return only a JSON object, no prose and no code fence, with exactly two keys: "
            f'"code" (the string "{nonce}") and "sum" (the integer {a} + {b}).'
        )
        return Probe(kind, nonce, _user(text), expect={"code": nonce, "sum": a + b})
    if kind == Kind.VISION:
        colour = sorted(COLOURS)[number % len(COLOURS)]
        image = base64.b64encode(png_solid(COLOURS[colour])).decode("ascii")
        text = (
            f"Request {nonce}. This image is one solid colour. Which one: red, green or blue? "
            "Answer with the one word."
        )
        content = [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}},
        ]
        return Probe(kind, nonce, [{"role": "user", "content": content}], expect={"colour": colour})
    if kind == Kind.LONG_CONTEXT:
        # ~4 characters a token; the filler is neutral text around one needle.
        repeats = max(1, (context_tokens * 4) // len(FILLER))
        needle_at = int(repeats * NEEDLE_DEPTH)
        needle = f"The vault code is {nonce}. "
        body = FILLER * needle_at + needle + FILLER * (repeats - needle_at)
        text = f"{body}\n\nWhat is the vault code mentioned above? Answer with the code only."
        return Probe(kind, nonce, _user(text))
    if kind == Kind.TRANSLATION:
        sentence, language, words = TRANSLATION
        text = (
            f"Translate into {language}: {sentence!r}. Then, on a new line, write the "
            f"reference {nonce}."
        )
        return Probe(kind, nonce, _user(text), expect={"words": list(words)})
    if kind == Kind.CODE:
        a = number % 50
        text = (
            f"Write a Python function named f_{nonce} that takes one integer x and returns "
            f"x + {a}. Reply with the code only."
        )
        return Probe(kind, nonce, _user(text), expect={"function": f"f_{nonce}"})
    raise ValueError(f"unknown probe kind {kind!r}")


_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\n?(.*?)```", re.DOTALL)


def _unfenced(text: str) -> str:
    match = _FENCE.search(text)
    return (match.group(1) if match else text).strip()


def check(probe: Probe, answer: str) -> CheckResult:
    """Whether `answer` passes `probe`. Pure and deterministic."""
    kind, nonce = probe.kind, probe.nonce
    if kind in (Kind.CHAT, Kind.STREAMING, Kind.LONG_CONTEXT):
        found = nonce in answer
        return CheckResult(found, "the code came back" if found else "the code is missing")
    if kind == Kind.JSON:
        try:
            value = json.loads(_unfenced(answer))
        except ValueError:
            return CheckResult(False, "not valid JSON")
        if not isinstance(value, dict):
            return CheckResult(False, "not a JSON object")
        if sorted(value) != ["code", "sum"]:
            return CheckResult(False, f"keys are {sorted(value)}, expected ['code', 'sum']")
        if value["code"] != probe.expect["code"] or value["sum"] != probe.expect["sum"]:
            return CheckResult(False, "wrong values")
        return CheckResult(True, "valid JSON with the given keys and values")
    if kind == Kind.VISION:
        words = set(re.findall(r"[a-z]+", answer.lower()))
        named = words & set(COLOURS)
        passed = named == {probe.expect["colour"]}
        return CheckResult(passed, "named the colour" if passed else f"named {sorted(named)}")
    if kind == Kind.TRANSLATION:
        lower = answer.lower()
        missing = [w for w in probe.expect["words"] if w not in lower]
        if missing or nonce not in answer:
            return CheckResult(False, f"missing {missing + ([] if nonce in answer else ['code'])}")
        return CheckResult(True, "translation has the expected words")
    if kind == Kind.CODE:
        source = _unfenced(answer)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return CheckResult(False, "the code does not parse")
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        passed = probe.expect["function"] in names
        return CheckResult(
            passed, "parses and defines the function" if passed else "no such function"
        )
    raise ValueError(f"unknown probe kind {kind!r}")


def kinds_for(input_modalities: Sequence[str]) -> list[str]:
    """Probe kinds that apply to a model: vision only when it takes images."""
    kinds = [k.value for k in Kind]
    if "image" not in input_modalities:
        kinds.remove(Kind.VISION)
    return kinds


# Words that tie a capability to a probe kind; plain chat applies to every capability.
_KIND_WORDS = {
    Kind.JSON: ("json", "structured", "format"),
    Kind.STREAMING: ("stream",),
    Kind.VISION: ("image", "vision", "visual", "multimodal"),
    Kind.LONG_CONTEXT: ("long", "context", "document"),
    Kind.TRANSLATION: ("translat", "lingual", "language"),
    Kind.CODE: ("code", "program"),
}


def capability_kinds(capability: Mapping[str, Any]) -> set[str]:
    """Probe kinds whose results count towards a capability's success rate."""
    text = " ".join(
        [str(capability.get("name", "")), str(capability.get("description", ""))]
        + [
            str(x)
            for key in ("intents", "input_types", "output_types")
            for x in capability.get(key, [])
        ]
    ).lower()
    kinds = {Kind.CHAT.value}
    for kind, words in _KIND_WORDS.items():
        if any(word in text for word in words):
            kinds.add(kind.value)
    return kinds
