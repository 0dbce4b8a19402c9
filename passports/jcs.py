"""RFC 8785 (JCS) canonical bytes, fast: the same bytes as `rfc8785.dumps`, several times sooner.

`rfc8785.dumps` is the reference (tests compare the two on the RFC's vectors,
10,000 of its number lines and generated documents); it writes every value from
Python. Here one walk checks and prepares the value and the stdlib's C encoder
writes it, which gives the same bytes because for the values that reach it:
- strings: `json.dumps(ensure_ascii=False)` escapes exactly what RFC 8785 3.2.2.2
  escapes (`"`, `\\`, \\b \\f \\n \\r \\t, other controls as lowercase \\u00xx) and
  writes everything else as itself; a lone surrogate fails the UTF-8 encode;
- integers within +-(2**53 - 1) and booleans and null are written alike;
- a float whose `repr` is its ECMAScript form (not integral, 1e-4 <= |x| < 1e16) is
  written by the C encoder; an integral float below 2**53 becomes that int; any
  other float stands in as a placeholder string, replaced afterwards by its
  ECMAScript form (`es_number`);
- object members sorted by code point equal RFC 8785's UTF-16 order unless a key
  holds a character at or past U+D800; then every object is sorted by UTF-16 code
  units before encoding.
Anything else (other types, keys that are not strings, integers past 2**53, NaN,
infinities, nesting past MAX_NESTING) goes to the reference, which gives its bytes
or raises its error.

Imports nothing from Django: the offline verifier ships with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import rfc8785

try:
    import orjson
except ImportError:  # pinned; a copy of passports/ without it reads and writes the stdlib's way
    orjson = None  # type: ignore[assignment]

SAFE_INTEGER = 2**53 - 1
# Deeper values (or a value that contains itself) are left to the reference.
MAX_NESTING = 200

# A placeholder for a float the C encoder cannot write: a lone surrogate starts it, so
# no string that survives the UTF-8 encode can look like one; a match the walk did
# not place (counted) sends the value to the reference.
_MARK = "\udfff"
_PLACEHOLDER_RE = re.compile('"' + _MARK + '([0-9]+)"')

# Keys at or past U+D800 are where code point order and UTF-16 order can part.
HIGH_RE = re.compile("[\ud800-\U0010ffff]")
_INFINITY = float("inf")


def _unsupported(value: Any) -> Any:
    raise TypeError(f"unsupported type: {type(value)}")  # the walk lets none through


def _encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """The stdlib's C encoder, built once (json.dumps builds one per call)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the _json accelerator: the same output, slower
        return json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys, check_circular=False
        ).encode
    encoder = make(
        None, _unsupported, json.encoder.encode_basestring, None, ":", ",", sort_keys, False, True
    )

    def encode(value: Any) -> str:
        return "".join(encoder(value, 0))

    return encode


_encode_sorted = _encoder(sort_keys=True)
_encode_in_order = _encoder(sort_keys=False)


class _Reference(Exception):
    """This value is left to the reference implementation."""


class _Utf16Order(Exception):
    """A key holds a character at or past U+D800: sort every object by UTF-16 code units."""


def es_number(value: float) -> str:
    """A finite float as ECMAScript's Number.prototype.toString writes it (RFC 8785 3.2.2.3).

    Python's repr gives the same shortest round-trip digits; only the notation differs.
    """
    if value == 0:
        return "0"
    text = repr(abs(value))
    mantissa, _, exponent = text.partition("e")
    point = mantissa.find(".")
    digits = mantissa.replace(".", "")
    # value = 0.DIGITS x 10**position
    position = (point if point >= 0 else len(mantissa)) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    position -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    count = len(digits)
    if count <= position <= 21:
        body = digits + "0" * (position - count)
    elif 0 < position <= 21:
        body = digits[:position] + "." + digits[position:]
    elif -6 < position <= 0:
        body = "0." + "0" * -position + digits
    else:
        shown = position - 1
        sign = "+" if shown >= 0 else "-"
        fraction = "." + digits[1:] if count > 1 else ""
        body = f"{digits[0]}{fraction}e{sign}{abs(shown)}"
    return "-" + body if value < 0 else body


def _prepare(value: Any, *, utf16: bool) -> tuple[Any, list[str]]:
    """One pass over `value`: checks it, and returns it, or a copy where floats are
    replaced, with the ECMAScript forms the placeholders stand for. With `utf16`,
    every object in the copy is re-ordered by UTF-16 code units.

    Nested functions rather than methods: the walk is the hot loop of every
    verification, and closures over locals are a quarter quicker.
    """
    numbers: list[str] = []
    safe = SAFE_INTEGER

    def number(item: float) -> Any:
        if item != item or item in (_INFINITY, -_INFINITY):
            raise _Reference
        if item.is_integer():
            if -safe <= item <= safe:
                return int(item)
        elif 1e-4 <= abs(item) < 1e16:
            return item  # repr is already the ECMAScript form
        numbers.append(es_number(item))
        return f"{_MARK}{len(numbers) - 1}"

    def members(mapping: dict[Any, Any], depth: int) -> dict[str, Any]:
        if depth > MAX_NESTING:
            raise _Reference
        copy: dict[str, Any] | None = None
        for key, item in mapping.items():
            if type(key) is not str:
                raise _Reference
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is int and -safe <= item <= safe:
                continue
            prepared: Any
            if kind is dict:
                prepared = members(item, depth + 1)
            elif kind is list:
                prepared = items(item, depth + 1)
            elif kind is float:
                prepared = number(item)
            else:
                raise _Reference  # other types, and integers past 2**53
            if prepared is not item:
                if copy is None:
                    copy = dict(mapping)
                copy[key] = prepared
        if utf16:
            return dict(sorted((copy or mapping).items(), key=_utf16_key))
        keys = "".join(mapping)
        if not keys.isascii() and HIGH_RE.search(keys):
            raise _Utf16Order
        return mapping if copy is None else copy

    def items(sequence: list[Any], depth: int) -> list[Any]:
        if depth > MAX_NESTING:
            raise _Reference
        copy: list[Any] | None = None
        for index, item in enumerate(sequence):
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is int and -safe <= item <= safe:
                continue
            prepared: Any
            if kind is dict:
                prepared = members(item, depth + 1)
            elif kind is list:
                prepared = items(item, depth + 1)
            elif kind is float:
                prepared = number(item)
            else:
                raise _Reference  # other types, and integers past 2**53
            if prepared is not item:
                if copy is None:
                    copy = list(sequence)
                copy[index] = prepared
        return sequence if copy is None else copy

    # The top level, as a member of a one-item list.
    return items([value], 0)[0], numbers


def _utf16_key(member: tuple[str, Any]) -> bytes:
    return member[0].encode("utf-16-be")


def dumps_plain(value: Any) -> bytes:
    """`dumps` of a value the caller knows is plain (canonical.Json): JSON types only,
    no key at or past U+D800, integers within SAFE_INTEGER, and only floats whose
    repr is their ECMAScript form. Raises UnicodeEncodeError on a lone surrogate."""
    text = _encode_sorted(value)
    return text.encode("ascii") if text.isascii() else text.encode("utf-8")


def _dumps_ordered_stdlib(value: Any) -> bytes:
    text = _encode_in_order(value)
    return text.encode("ascii") if text.isascii() else text.encode("utf-8")


def dumps_ordered(value: Any) -> bytes:
    """`dumps` of a plain value (see dumps_plain) whose objects already hold their members
    in RFC 8785 order (passports.ordered reads them so). Written by orjson, members in
    their order, several times quicker than the stdlib's C encoder, and for such values
    the same bytes (strings: `"` `\\` and controls escaped as RFC 8785 3.2.2.2 says,
    everything else as itself; floats: shortest round-trip digits in decimal notation,
    which is ECMAScript's form from 1e-4 to 1e16; the tests hold it to the reference).
    What orjson declines (a lone surrogate, nesting past its 254 levels) the stdlib
    writes: the same bytes, or ValueError (UnicodeEncodeError) on a lone surrogate."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            pass
    return _dumps_ordered_stdlib(value)


def dumps_sorted(value: Any) -> bytes:
    """`dumps` of a plain value (see dumps_plain) whose keys all lie below U+D000, members
    in any order: orjson writes it with its members sorted by their UTF-8 bytes, which for
    such keys is code point order and RFC 8785's UTF-16 order alike (passports.ordered's
    quick read gives such values). The same bytes as dumps_ordered of the value with its
    members in that order; what orjson declines, dumps_plain writes (sorted the same)."""
    if orjson is not None:
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
    return dumps_plain(value)


def dumps(value: Any) -> bytes:
    """RFC 8785 canonical bytes of `value`: exactly `rfc8785.dumps(value)`, errors included."""
    try:
        try:
            prepared, numbers = _prepare(value, utf16=False)
            text = _encode_sorted(prepared)
        except _Utf16Order:
            prepared, numbers = _prepare(value, utf16=True)
            text = _encode_in_order(prepared)
    except (_Reference, RecursionError):
        return rfc8785.dumps(value)
    if numbers:
        found = 0

        def number(match: re.Match[str]) -> str:
            nonlocal found
            found += 1
            index = int(match.group(1))
            return numbers[index] if index < len(numbers) else match.group(0)

        text = _PLACEHOLDER_RE.sub(number, text)
        if found != len(numbers):
            return rfc8785.dumps(value)  # a string of the input looked like a placeholder
    if text.isascii():
        return text.encode("ascii")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return rfc8785.dumps(value)  # a lone surrogate: the reference raises its error
