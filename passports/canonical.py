"""Strict JSON parsing and RFC 8785 canonical bytes.

Imports nothing from Django so the offline verifier can ship on its own.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_DEPTH = 64

# A JSON string literal; used to blank strings out before counting brackets.
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")


class DocumentError(ValueError):
    """A document that cannot be accepted; `message` says why, `field` where."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _reject_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not a JSON number", code="invalid_number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DocumentError(f"duplicate key {key!r}", code="duplicate_key", field=key)
        result[key] = value
    return result


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting of a JSON text, strings ignored."""
    depth = deepest = 0
    for bracket in _BRACKET_RE.findall(_STRING_RE.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_json(
    data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse JSON strictly: size and depth limits, no duplicate keys, no NaN/Infinity.

    Raises DocumentError with a message that names the problem.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise DocumentError(
            f"body is {len(raw)} bytes; the limit is {max_bytes} bytes", code="too_large"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8: {exc.reason} at byte {exc.start}", code="not_json"
        ) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    depth = nesting_depth(text)
    if depth > max_depth:
        raise DocumentError(
            f"nesting depth {depth} exceeds the limit of {max_depth}", code="too_deep"
        )
    try:
        parsed = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", code="not_json"
        ) from exc
    _reject_lone_surrogates(parsed)
    return parsed


# No JSON number a passport or request needs is longer; Python refuses past 4,300 digits.
MAX_INT_DIGITS = 400


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise DocumentError(
            f"a number has {digits} digits; the limit is {MAX_INT_DIGITS}",
            code="invalid_number",
        )
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_INT_DIGITS:
        raise DocumentError(
            f"a number has {len(text)} characters; the limit is {MAX_INT_DIGITS}",
            code="invalid_number",
        )
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise DocumentError(f"the number {text[:40]} is out of range", code="invalid_number")
    return value


def _reject_lone_surrogates(value: Any) -> None:
    """A "\\ud800" escape with no partner decodes to a string no UTF-8 can carry: refuse it
    here rather than fail when it is echoed, stored or hashed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, member in item.items():
                _check_text(key)
                stack.append(member)
        elif isinstance(item, list):
            stack.extend(item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise DocumentError(
            "a string holds a NUL character (\\u0000), which no field can store",
            code="invalid_string",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DocumentError(
            f"a string holds a lone surrogate (\\u{ord(text[exc.start]):04x}), which is not "
            "Unicode text",
            code="invalid_string",
        ) from exc


def normalise_numbers(value: Any) -> Any:
    """Integral floats become ints, as JSON (and RFC 8785) treat them as the same number.

    Keeps served documents byte-identical to what was imported when a
    database column hands back 0.0 for a published 0.
    """
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise DocumentError("NaN and Infinity are not JSON numbers", code="invalid_number")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, dict):
        return {key: normalise_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_numbers(item) for item in value]
    return value


# RFC 8785 writes every number as an IEEE 754 double: an integer past this has no exact form.
# A float past it is integral, and PostgreSQL's jsonb hands it back as an integer (1e+16 comes
# back as 10000000000000000), so it is refused too.
MAX_SAFE_INTEGER = 2**53 - 1


def unsafe_number(value: Any, prefix: str) -> tuple[str, int | float] | None:
    """The first number in `value` (in document order) past +-MAX_SAFE_INTEGER, with where it
    is (`prefix.member[index]`); None when there is none."""
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, int | float) and not isinstance(item, bool):
            if abs(item) > MAX_SAFE_INTEGER:
                return where, item
        elif isinstance(item, dict):
            stack.extend(reversed([(f"{where}.{key}", member) for key, member in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}[{i}]", member) for i, member in enumerate(item)]))
    return None


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical form of a JSON value."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise DocumentError(f"cannot canonicalise: {exc}", code="not_canonicalisable") from exc


def signed_bytes(passport: dict[str, Any]) -> bytes:
    """The bytes a passport's signature covers: the passport object without `signature`."""
    if not isinstance(passport, dict):
        raise DocumentError("passport must be an object", field="passport")
    return canonical_bytes({key: value for key, value in passport.items() if key != "signature"})
