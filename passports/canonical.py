"""Strict JSON parsing and RFC 8785 canonical bytes.

Imports nothing from Django so the offline verifier can ship on its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import rfc8785

from . import jcs
from .ordered import read_ordered, read_sorted

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
    return _Unreadable(f"{name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # A key echoed as the field must be text a response can carry.
            field = None if _text_problem(key) else _member_path(None, key)
            raise DocumentError(f"duplicate key {key!r}", code="duplicate_key", field=field)
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


@dataclass(frozen=True, slots=True)
class Json:
    """A JSON text read by `read_json`: its value, and whether the value is *plain*.

    Plain: every key is free of characters at or past U+D800, every integer is within
    +-(2**53 - 1) and every float is written alike by Python and ECMAScript. The
    stdlib's sorted encoding of a plain value is its RFC 8785 form (jcs.dumps_plain),
    so canonicalising it needs no second walk.

    Ordered: plain, and every object holds its members in RFC 8785 order already
    (read_json(ordered=True) reads them so where the stdlib reads the text), so
    jcs.dumps_ordered writes it as it is.

    Sortable: plain, and every key lies below U+D000, where sorting by UTF-8 bytes is RFC
    8785's order (read_json(ordered=True) reads such a value where orjson reads the text),
    so jcs.dumps_sorted writes it, members in whatever order they are.
    """

    value: Any
    plain: bool
    ordered: bool = False
    sortable: bool = False

    @property
    def quick(self) -> bool:
        """Canonical bytes in one encode in C (ordered or sortable)."""
        return self.ordered or self.sortable


def parse_json(
    data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse JSON strictly: size and depth limits, no duplicate keys, no NaN/Infinity.

    Raises DocumentError with a message that names the problem.
    """
    return read_json(data, max_bytes=max_bytes, max_depth=max_depth).value


def read_json(
    data: bytes | str,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
    ordered: bool = False,
) -> Json:
    """`parse_json`, also telling whether the value is plain (see Json).

    `ordered`: for a document to verify, whose member order does not matter: read so that
    its canonical bytes are one encode in C when the text allows (passports.ordered); then
    Json.ordered or Json.sortable is true. Accepts and refuses exactly what read_json does.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise DocumentError(
            f"body is {len(raw)} bytes; the limit is {max_bytes} bytes", code="too_large"
        )
    if ordered:
        # orjson's way first, on the bytes: it checks they are UTF-8, so no decode is
        # needed (a BOM, which the text loses below, it refuses: the stdlib's way reads it).
        value = read_sorted(raw, max_depth)
        if value is not None:
            return Json(value, plain=True, sortable=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8: {exc.reason} at byte {exc.start}", code="not_json"
        ) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if ordered:
        value = read_ordered(raw, text, max_depth)
        if value is not None:
            return Json(value, plain=True, ordered=True)
    quick = _parse_quick(text, max_depth)
    if quick is not None:
        return quick
    return Json(_parse_strict(text, max_depth), plain=False)


def _parse_strict(text: str, max_depth: int) -> Any:
    """Every rule, in the order that decides which problem a refused document is told of."""
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
    _reject_unreadable(parsed)
    return parsed


# Only an escape can put a surrogate (\\uD800-\\uDFFF, high or low: a lone low one too) or a
# NUL into a parsed string: the text itself is valid UTF-8 (no surrogates) and a raw control
# character is not JSON.
_RISKY_ESCAPE_RE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
# Integers this long may pass MAX_INT_DIGITS (10**400 has 1,329 bits): the strict
# parse decides.
_LONG_INT_BITS = 1300


def _parse_quick(text: str, max_depth: int) -> Json | None:
    """What `_parse_strict` gives for a document it accepts, sooner; None whenever it
    might refuse the document, so that the strict parse names the problem.

    The C parser does the work with two cheap hooks; one walk over the value checks
    depth and integer length and finds whether it is plain; strings are walked only
    when the text holds an escape that could make a surrogate or a NUL.
    """
    try:
        parsed = _QUICK_DECODER.decode(text)
    except (ValueError, RecursionError):  # DocumentError and JSONDecodeError are ValueErrors
        return None
    plain = _scan(parsed, max_depth)
    if plain is None:
        return None
    if "\\u" in text and _RISKY_ESCAPE_RE.search(text):
        try:
            _reject_unreadable(parsed)
        except DocumentError:
            return None
    return Json(parsed, plain=plain)


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise DocumentError("duplicate key", code="duplicate_key")
    return members


class _Refuse(Exception):
    pass


def _scan(value: Any, max_depth: int) -> bool | None:
    """None if nesting passes `max_depth`, an integer nears MAX_INT_DIGITS digits or a
    float is infinite; otherwise whether the value is plain (the tests mirror
    jcs._prepare's). Recursive closures: the quickest walk measured (this is the hot
    loop of every verification)."""
    safe, high = jcs.SAFE_INTEGER, jcs.HIGH_RE
    plain = True

    def walk(children: Any, depth: int) -> None:
        nonlocal plain
        if depth > max_depth:
            raise _Refuse
        for child in children:
            kind = type(child)
            if kind is dict:
                keys = "".join(child)
                if not keys.isascii() and high.search(keys):
                    plain = False
                walk(child.values(), depth + 1)
            elif kind is list:
                walk(child, depth + 1)
            elif kind is int:
                if not -safe <= child <= safe:
                    if child.bit_length() > _LONG_INT_BITS:
                        raise _Refuse
                    plain = False
            elif kind is float and (child.is_integer() or not 1e-4 <= abs(child) < 1e16):
                if child in _INFINITIES:
                    raise _Refuse
                plain = False

    try:
        walk((value,), 0)
    except _Refuse:
        return None
    return plain


# No JSON number a passport or request needs is longer; Python refuses past 4,300 digits.
MAX_INT_DIGITS = 400


class _Unreadable:
    """What json.loads hands back for a number no field may hold; found (with where it is)
    by _reject_unreadable once the whole text is parsed."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _bounded_int(text: str) -> int | _Unreadable:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _Unreadable(f"a number has {digits} digits; the limit is {MAX_INT_DIGITS}")
    return int(text)


def _finite_float(text: str) -> float | _Unreadable:
    if len(text) > MAX_INT_DIGITS:
        return _Unreadable(f"a number has {len(text)} characters; the limit is {MAX_INT_DIGITS}")
    value = float(text)
    if value in _INFINITIES:
        return _Unreadable(f"the number {text[:40]} is out of range")
    return value


def _short_float(text: str) -> float:
    if len(text) > MAX_INT_DIGITS:
        raise DocumentError("a long number", code="invalid_number")
    return float(text)


def _refuse_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not a JSON number", code="invalid_number")


_INFINITIES = (float("inf"), float("-inf"))
# The quick parse's decoder, built once (json.loads(text, **hooks) builds one per call). Its
# hooks raise at once: any doubt sends the text to the strict parse, which names the problem.
_QUICK_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_members, parse_constant=_refuse_constant, parse_float=_short_float
)


def _reject_unreadable(value: Any) -> None:
    """Refuse a number _bounded_int or _finite_float marked, a lone surrogate ("\\ud800" with
    no partner decodes to a string no UTF-8 can carry) or a NUL in any string or key, here
    rather than when it is echoed, stored or hashed. The DocumentError names where it is
    (`field`: "capabilities[0].intents[2]", None for the whole value)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _text_problem(item):
                break
        elif isinstance(item, dict):
            if any(_text_problem(key) for key in item):
                break
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, _Unreadable):
            break
    else:
        return
    field, message, code = _first_unreadable(value)
    raise DocumentError(message, code=code, field=field)


def _first_unreadable(value: Any) -> tuple[str | None, str, str]:
    """(field, message, code) of the first problem in document order; the slow path, run
    only once the fast walk knows there is one."""
    stack: list[tuple[Any, str | None]] = [(value, None)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Unreadable):
            return path, item.message, "invalid_number"
        if isinstance(item, str) and (problem := _text_problem(item)):
            return path, problem, "invalid_string"
        if isinstance(item, dict):
            for key in item:
                if problem := _text_problem(key):
                    return path, f"a key {problem[len('a string ') :]}", "invalid_string"
            members = [(member, _member_path(path, key)) for key, member in item.items()]
            stack.extend(reversed(members))
        elif isinstance(item, list):
            stack.extend(
                reversed([(member, f"{path or ''}[{i}]") for i, member in enumerate(item)])
            )
    raise AssertionError("_first_unreadable called on a value without a problem")


def _member_path(path: str | None, key: str) -> str:
    shown = key if len(key) <= 64 else key[:64] + "..."
    return f"{path}.{shown}" if path else shown


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "a string holds a NUL character (\\u0000), which no field can store"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"a string holds a lone surrogate (\\u{ord(text[exc.start]):04x}), which is not "
            "Unicode text"
        )
    return None


# RFC 8785 (and I-JSON) write numbers as IEEE doubles: an integer past 2**53 - 1 cannot be
# signed, and an integral float past it comes back from PostgreSQL's jsonb as such an integer.
MAX_SAFE_INTEGER = 2**53 - 1


def unsafe_number(value: Any, *, prefix: str) -> tuple[str, str] | None:
    """(field, message) of the first number, in document order, that a signed document
    cannot hold exactly; None when every number is within +-(2**53 - 1)."""
    stack: list[tuple[Any, str]] = [(value, prefix)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int | float) and abs(item) > MAX_SAFE_INTEGER:
            shown = str(item) if len(str(item)) <= 40 else f"{str(item)[:20]}..."
            return path, (
                f"{shown} is outside the range of numbers a signed document keeps exactly "
                f"(-{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}, RFC 8785)"
            )
        if isinstance(item, dict):
            stack.extend(reversed([(v, _member_path(path, k)) for k, v in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(v, f"{path}[{i}]") for i, v in enumerate(item)]))
    return None


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


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical form of a JSON value."""
    try:
        return jcs.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise DocumentError(f"cannot canonicalise: {exc}", code="not_canonicalisable") from exc


def signed_bytes(
    passport: dict[str, Any], *, plain: bool = False, ordered: bool = False, sortable: bool = False
) -> bytes:
    """The bytes a passport's signature covers: the passport object without `signature`.

    `plain`: read_json found the passport plain (see Json), so no walk is needed;
    `ordered`: its objects are in RFC 8785 member order too, so no sort either;
    `sortable`: its keys all lie below U+D000, so orjson's sort is RFC 8785's.
    """
    if not isinstance(passport, dict):
        raise DocumentError("passport must be an object", field="passport")
    # A comprehension keeps the members' order.
    unsigned = {key: value for key, value in passport.items() if key != "signature"}
    if plain:
        try:
            if ordered:
                return jcs.dumps_ordered(unsigned)
            if sortable:
                return jcs.dumps_sorted(unsigned)
            return jcs.dumps_plain(unsigned)
        except ValueError as exc:  # UnicodeEncodeError: a lone surrogate
            raise DocumentError(f"cannot canonicalise: {exc}", code="not_canonicalisable") from exc
    return canonical_bytes(unsigned)
