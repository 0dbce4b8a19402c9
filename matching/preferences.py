"""What a need prefers among models that fit it equally well: read from the words, or given as
`prefer` in the body. Pure functions.

A preference is not a constraint: "the cheapest model that reads PDFs" excludes nothing; among
the models whose texts tie, the cheaper offer goes first (ranking.tie_order).
"""

from __future__ import annotations

import re
from typing import Any

PREFERENCES = ("price", "context", "recency", "trust", "latency")

# Narrow on purpose: "fast" alone is also a variant ("Claude Opus 4.7 (Fast)"), and "latest"
# alone is often the news ("summarize the latest news"), not a model.
WORDS: dict[str, str] = {
    "price": r"\b(?:cheapest|cheap|cheaper|low[- ]cost|lowest[- ]cost|lowest price|inexpensive|least expensive)\b",
    "latency": r"\b(?:fastest|quickest|low(?:est)?[- ]latency|(?:fast|quick) (?:responses?|replies|answers))\b",
    "context": r"\b(?:longest|largest|biggest|longer|larger|bigger|huge|long) context(?: windows?| lengths?)?\b",
    "recency": r"\b(?:newest|most recent (?:model|release|version)s?|latest (?:\w+ )?(?:models?|versions?|releases?|llms?))\b",
    "trust": r"\b(?:most trusted|most trustworthy|trustworthy|highest trust|most reliable)\b",
}
_COMPILED = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in WORDS.items()}


class PreferenceError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_preferences(intent: str) -> list[tuple[str, str]]:
    """(preference, the words that said it), in the order the words come in the need."""
    found = []
    for name, pattern in _COMPILED.items():
        match = pattern.search(intent)
        if match:
            found.append((match.start(), name, match.group(0)))
    return [(name, words) for _start, name, words in sorted(found)]


def prefer_parse(value: Any) -> list[str]:
    """The body's `prefer`: one preference or a list of them, in order, without repeats."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PreferenceError(f"prefer must be one of {', '.join(PREFERENCES)}, or a list of them")
    unknown = [v for v in value if v not in PREFERENCES]
    if unknown:
        raise PreferenceError(
            f"prefer: unknown preference {unknown[0]!r}; use {', '.join(PREFERENCES)}"
        )
    return list(dict.fromkeys(value))
