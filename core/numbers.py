"""Whole numbers as people and URLs write them: ASCII digits only, of a bounded length.

`str.isdigit()` also accepts "²" (which `int()` refuses) and `int()` accepts "٣" and
refuses more than 4,300 digits; reading a parameter with either is a 500 waiting to happen.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")
MAX_DIGITS = 19  # fits a signed 64-bit integer column


def plain_int(text: str, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None."""
    if not isinstance(text, str) or len(text) > max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)
