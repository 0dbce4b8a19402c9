"""Template filters for what people read: times to the second."""

from __future__ import annotations

import re

from django import template

register = template.Library()

_FRACTION = re.compile(r"\.\d+Z$")


@register.filter
def to_the_second(moment: str | None) -> str | None:
    """A registry timestamp (2026-11-01T12:00:00.000Z) as a person reads it: 2026-11-01T12:00:00Z.

    The API keeps the milliseconds; a page has no use for them.
    """
    if not moment:
        return moment
    return _FRACTION.sub("Z", moment)


@register.filter
def usd(amount: float | None) -> str:
    """A price as a person reads it: $0.5, $2, $0.075; "?" when not stated."""
    if amount is None:
        return "?"
    return f"${amount:.6f}".rstrip("0").rstrip(".")
