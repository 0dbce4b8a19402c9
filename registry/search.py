"""Text search over listings: the list's `q` and GET /api/v1/search share these.

A query is cut into terms (runs of letters and digits, lower-cased, at most MAX_TERMS of
them; a query with none is one term as typed). A listing matches when every term is in its
name, slug, description or one of its capabilities' names. Its text relevance is the sum
over terms of where the term was found, the best place counting:

    name 3, a capability's name 2, slug or description 1

plus PHRASE_BONUS when the whole query, as typed, is in the name. Search ranks by relevance,
then trust score, then slug (so equal listings keep one order across pages and calls).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.expressions import Combinable

from .models import Capability

MAX_TERMS = 12
PHRASE_BONUS = 3
WEIGHTS = {"name": 3, "capability": 2, "slug_or_description": 1}
_TERM = re.compile(r"[0-9a-z]+")


def search_terms(text: str) -> list[str]:
    """The distinct terms of a query, in order, at most MAX_TERMS."""
    terms = list(dict.fromkeys(_TERM.findall(text.lower())))[:MAX_TERMS]
    stripped = " ".join(text.split())
    return terms or ([stripped] if stripped else [])


def _capability_named(term: str) -> Exists:
    return Exists(Capability.objects.filter(artifact=OuterRef("pk"), name__icontains=term))


def search_condition(text: str) -> Q:
    """Listings holding every term of `text` in their name, slug, description or a capability
    name."""
    conditions = [
        Q(name__icontains=term)
        | Q(slug__icontains=term)
        | Q(description__icontains=term)
        | Q(_capability_named(term))
        for term in search_terms(text)
    ]
    return reduce(lambda a, b: a & b, conditions, Q())


def search_relevance(text: str) -> Combinable:
    """The text relevance of a listing to `text` (see the module docstring), as an expression."""
    parts: list[Combinable] = [
        Case(
            When(name__icontains=term, then=Value(WEIGHTS["name"])),
            When(_capability_named(term), then=Value(WEIGHTS["capability"])),
            When(
                Q(slug__icontains=term) | Q(description__icontains=term),
                then=Value(WEIGHTS["slug_or_description"]),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        for term in search_terms(text)
    ]
    phrase = " ".join(text.split())
    if phrase:
        parts.append(
            Case(
                When(name__icontains=phrase, then=Value(PHRASE_BONUS)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    total: Combinable = Value(0, output_field=IntegerField())
    for part in parts:
        total = total + part
    return total


def capability_match(terms: Iterable[str], texts: Iterable[str]) -> float:
    """The share of the terms found in any of these texts (0..1, two places)."""
    terms = list(terms)
    if not terms:
        return 0.0
    haystack = " ".join(texts).lower()
    return round(sum(term in haystack for term in terms) / len(terms), 2)


def capability_matches(
    terms: list[str], capabilities: Iterable[Any], limit: int = 3
) -> list[dict[str, Any]]:
    """The capabilities that best hold the terms (by share of terms, then position), at most
    `limit`; the first capability when none holds any."""
    scored = [
        (capability_match(terms, [cap.name, cap.description, *cap.intents]), cap)
        for cap in capabilities
    ]
    found = (
        sorted(
            (item for item in scored if item[0] > 0), key=lambda item: (-item[0], item[1].position)
        )[:limit]
        or scored[:1]
    )
    return [
        {
            "id": cap.capability_id,
            "name": cap.name,
            "description": cap.description,
            "matchScore": score,
            "bestFor": cap.best_for,
        }
        for score, cap in found
    ]
