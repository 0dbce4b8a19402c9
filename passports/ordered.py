"""The quickest read of a document to verify: JSON whose canonical bytes are one encode in
C, with no walk to prepare them.

A text with no escape and no character at or past U+D000 (most documents: every served
passport so far) is read by orjson, with no Python call per object (read_sorted): its
value, members in the document's order, whose every key lies below U+D000, where
sorting by UTF-8 bytes (orjson's OPT_SORT_KEYS) is RFC 8785's order: jcs.dumps_sorted
writes its canonical bytes. A duplicate key is found by writing it sorted once and
counting colons: without an escape each string's characters are its bytes, so the text
holds one colon per member written plus those inside strings, and the written bytes one
per member kept plus the same strings' colons: fewer means a member was dropped. Floats
are made by orjson's parser (correctly rounded, as float() is: the tests compare them on
10,000 of RFC 8785's number lines). An earlier version parsed the sorted bytes again, for
members in RFC 8785 order: 36 µs of a 29 kB document's verify, for an order that only
the writer needs.

Any other text, or one orjson refuses, is read by the stdlib's C parser (read_ordered),
objects with their members already in RFC 8785 order, so jcs.dumps_ordered writes them
as they are, with one Python hook: each object's members are sorted, and a duplicate key
raises. Everything
else is checked where it is cheapest, and raises at the first doubt:
- over the bytes, before the parse (one C pass: bytes.translate): a run of
  _LONG_DIGITS digits (a number the strict parse may refuse for its length), and
  whether any character can be at or past U+D800 (where code point order and RFC 8785's
  UTF-16 order can part): only when one can, or an escape could write one, does the
  hook check keys too;
- in one walk over the parsed value: nesting past `max_depth`, an integer past
  +-(2**53 - 1), and a float whose ECMAScript form is not its repr (integral, or
  outside 1e-4 <= |x| < 1e16, infinities included); NaN and Infinity raise in the parse.
Any doubt answers None, and the caller reads the text the usual way
(canonical.read_json), which names whatever problem there is.

Imports nothing from Django: the offline verifier ships with it.
"""

from __future__ import annotations

import json
import re
from operator import itemgetter
from typing import Any

from . import jcs

# Only an escape can put a surrogate or a NUL into a parsed string (canonical.py says why);
# those documents take the usual path, which refuses them by name.
_RISKY_ESCAPE_RE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")

# bytes.translate classes the text in one C pass (a regex over it costs ten times
# more): every digit becomes "0", and every UTF-8 lead byte of a character at or past
# U+D000 (0xED and up; conservative: U+D000 to U+D7FF are flagged too) becomes 0xFF.
_DIGIT, _HIGH = ord("0"), 0xFF
_CLASSES = bytes(
    _DIGIT if 0x30 <= byte <= 0x39 else _HIGH if byte >= 0xED else byte for byte in range(256)
)
# The strict parse refuses a number past canonical.MAX_INT_DIGITS (400) characters,
# which the C parser reads without complaint. Such a number holds at least 397 digits
# in at most three runs (whole part, fraction, exponent), so a run of 133 or more: none
# this long (strings included; a false alarm only costs the quick read) rules it out.
_LONG_DIGITS = b"0" * 100
_key = itemgetter(0)


class _Doubt(Exception):
    """The ordered read cannot vouch for this text: read it the usual way."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Sorting the pairs by key (a C sort, stable) gives code point order, which is
    # RFC 8785's order for keys below U+D800.
    pairs.sort(key=_key)
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _Doubt  # a duplicate key
    return members


def _members_low_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """_members, for a text that may hold a character at or past U+D800 (or an escape
    that writes one): a key holding one raises."""
    members = _members(pairs)
    keys = "".join(members)
    if not keys.isascii() and jcs.HIGH_RE.search(keys):
        raise _Doubt
    return members


def _constant(name: str) -> Any:
    raise _Doubt  # NaN, Infinity, -Infinity


# No parse_int or parse_float hook: the C parser makes the same int and float as
# int(text) and float(text), and the walk checks them (a hook is a Python call per number).
_DECODER = json.JSONDecoder(object_pairs_hook=_members, parse_constant=_constant)
_DECODER_KEYS = json.JSONDecoder(object_pairs_hook=_members_low_keys, parse_constant=_constant)


def read_sorted(raw: bytes, max_depth: int) -> Any | None:
    """The quick way (orjson, when jcs found it installed; see the module's docstring), on
    the bytes before they are decoded: orjson refuses what is not UTF-8, and takes no
    text holding a character past U+D000, where Python's decoder and orjson's could
    part. The value, members in the text's order and every key below U+D000 (for
    jcs.dumps_sorted); None where read_ordered, the stdlib's way, must decide."""
    orjson = jcs.orjson
    if orjson is None or b"\\" in raw:
        return None
    classes = raw.translate(_CLASSES)
    if _LONG_DIGITS in classes or b"\xff" in classes:
        return None
    try:
        value = orjson.loads(raw)
        written = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        if written.count(b":") != raw.count(b":"):
            return None  # a duplicate key: a member was dropped
        _check(value, max_depth)
    except (_Doubt, orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    return value


def read_ordered(raw: bytes, text: str, max_depth: int) -> Any | None:
    """The value of `text` (`raw` decoded), every object's members in RFC 8785 order, by
    the stdlib's parser (the way for what read_sorted leaves); None at any doubt (see the
    module's docstring)."""
    # A one-byte search is a memchr; most documents hold no backslash at all.
    escapes = b"\\" in raw
    if escapes and _RISKY_ESCAPE_RE.search(raw):
        return None
    classes = raw.translate(_CLASSES)
    if _LONG_DIGITS in classes:
        return None
    # Without a character at or past U+D000 and without escapes, no key can hold one.
    decoder = _DECODER_KEYS if escapes or b"\xff" in classes else _DECODER
    try:
        value = decoder.decode(text)
        _check(value, max_depth)
    except (_Doubt, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None
    return value


def _check(value: Any, max_depth: int) -> None:
    """Raise _Doubt if a container nests deeper than `max_depth` (the top level is depth
    0, as in canonical.nesting_depth: `[]` is 1 deep) or a number is not plain (see the
    module's docstring). Recursive closures: the quickest walk measured."""
    safe = jcs.SAFE_INTEGER

    def walk(children: Any, depth: int) -> None:
        if depth > max_depth:
            raise _Doubt
        for child in children:
            kind = type(child)
            if kind is str:
                continue
            if kind is dict:
                walk(child.values(), depth + 1)
            elif kind is list:
                # Most lists hold strings alone: those need no call of their own.
                for item in child:
                    if type(item) is not str:
                        walk(child, depth + 1)
                        break
                else:
                    if depth + 1 > max_depth:
                        raise _Doubt
            elif kind is int:  # not bool: type() is exact
                if not -safe <= child <= safe:
                    raise _Doubt
            elif kind is float and (child.is_integer() or not 1e-4 <= abs(child) < 1e16):
                raise _Doubt

    walk((value,), 0)
