"""The quickest read of a document to verify: JSON whose objects come back with their
members already in RFC 8785 order, so its canonical bytes are one encode in C
(jcs.dumps_ordered), with no walk to prepare them.

The stdlib's C parser does the reading; its hooks sort each object's members and
raise at the first doubt: a duplicate key, a key with a character at or past U+D800
(where code point order and RFC 8785's UTF-16 order can part), an integer past
+-(2**53 - 1), a float whose ECMAScript form is not its repr (integral, or outside
1e-4 <= |x| < 1e16), NaN or Infinity. Any doubt answers None, and the caller reads the
text the usual way (canonical.read_json), which names whatever problem there is.

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
_RISKY_ESCAPE_RE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
# The longest integer within +-(2**53 - 1) has 16 digits and a sign.
_SAFE_INT_CHARS = 17
_LONG_FLOAT_CHARS = 400  # canonical.MAX_INT_DIGITS: longer numbers take the strict parse
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
    keys = "".join(members)
    if not keys.isascii() and jcs.HIGH_RE.search(keys):
        raise _Doubt
    return members


def _safe_int(text: str) -> int:
    if len(text) > _SAFE_INT_CHARS:
        raise _Doubt
    value = int(text)
    if not -jcs.SAFE_INTEGER <= value <= jcs.SAFE_INTEGER:
        raise _Doubt
    return value


def _plain_float(text: str) -> float:
    if len(text) > _LONG_FLOAT_CHARS:
        raise _Doubt
    value = float(text)
    # Infinity fails the range test too.
    if value.is_integer() or not 1e-4 <= abs(value) < 1e16:
        raise _Doubt
    return value


def _constant(name: str) -> Any:
    raise _Doubt


_DECODER = json.JSONDecoder(
    object_pairs_hook=_members,
    parse_int=_safe_int,
    parse_float=_plain_float,
    parse_constant=_constant,
)


def read_ordered(text: str, max_depth: int) -> Any | None:
    """The value of `text`, every object's members in RFC 8785 order; None at any doubt
    (see the module's docstring), nesting past `max_depth` included."""
    if "\\u" in text and _RISKY_ESCAPE_RE.search(text):
        return None
    try:
        value = _DECODER.decode(text)
    except (_Doubt, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None
    if not _within(value, max_depth):
        return None
    return value


def _within(value: Any, max_depth: int) -> bool:
    """Whether no container nests deeper than `max_depth` (the top level is depth 0, as in
    canonical.nesting_depth: `[]` is 1 deep). A walk over containers; the hooks have
    checked every leaf."""

    def walk(children: Any, depth: int) -> bool:
        if depth > max_depth:
            return False
        for child in children:
            kind = type(child)
            if kind is dict:
                if not walk(child.values(), depth + 1):
                    return False
            elif kind is list and not walk(child, depth + 1):
                return False
        return True

    return walk((value,), 0)
