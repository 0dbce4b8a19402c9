"""Offers: the ways one model is served (each provider endpoint, each variant: free, batch, fast,
a dated snapshot), which of them meet a need's limits, and the one a result shows. Pure
functions over plain values; resolve loads the rows.

A model meets a price or context limit when the model itself or any one of its offers does;
a value an offer does not state is not held against it (the result says it was not checked),
except "free": an offer whose price nobody states is not known to be free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .constraints import Required

# The columns of registry.ProviderEndpoint an Offer is made of, as `values()` reads them.
ENDPOINT_FIELDS = (
    "artifact_id",
    "source_key",
    "provider",
    "variant",
    "free",
    "prompt_price_per_1m",
    "completion_price_per_1m",
    "context_length",
    "probe_status",
)


@dataclass(frozen=True)
class Offer:
    id: str  # the catalog's own key (ProviderEndpoint.source_key)
    provider: str
    variant: str  # "" for the model itself
    free: bool
    prompt_price: Decimal | None  # USD per 1M prompt tokens
    completion_price: Decimal | None
    context_length: int | None
    probe_status: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Offer:
        return cls(
            id=values["source_key"],
            provider=values["provider"],
            variant=values["variant"],
            free=values["free"],
            prompt_price=values["prompt_price_per_1m"],
            completion_price=values["completion_price_per_1m"],
            context_length=values["context_length"],
            probe_status=values["probe_status"] or {},
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "variant": self.variant,
            "free": self.free,
            "prompt_usd_per_1m_tokens": _number(self.prompt_price),
            "completion_usd_per_1m_tokens": _number(self.completion_price),
            "context_length": self.context_length,
        }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def offer_allowed(offer: Offer, required: Required) -> bool:
    """The offer is of the variant and free-ness the filters ask for."""
    return (required.variant is None or offer.variant == required.variant) and (
        required.free is None or offer.free == required.free
    )


def offer_meets(offer: Offer, required: Required, *, unknown_passes: bool = True) -> bool:
    """The offer's price and context are within the need's limits (a value not stated passes
    unless `unknown_passes` is false)."""
    ceiling, context = required.max_prompt_price, required.min_context
    if ceiling is not None:
        if offer.prompt_price is None:
            if not unknown_passes or ceiling == 0:
                return False
        elif offer.prompt_price > ceiling:
            return False
    if context:
        if offer.context_length is None:
            if not unknown_passes:
                return False
        elif offer.context_length < context:
            return False
    return True


def model_fits(*, own: Offer, offers: Iterable[Offer], required: Required) -> bool:
    """The model meets the need's offer limits: itself or one of its offers does. When the
    filters ask for a variant or a free offer, one such offer must meet them all."""
    offers = list(offers)
    if required.variant is not None or required.free is not None:
        return any(offer_allowed(o, required) and offer_meets(o, required) for o in offers)
    return any(offer_meets(o, required) for o in [own, *offers])


def _cheapest_key(offer: Offer, *, free_first: bool) -> tuple[Any, ...]:
    return (
        free_first and not offer.free,
        offer.prompt_price is None,
        offer.prompt_price or 0,
        offer.completion_price is None,
        offer.completion_price or 0,
        offer.variant != "",
        offer.provider,
        offer.id,
    )


def offer_choose(offers: Sequence[Offer], required: Required) -> Offer | None:
    """The offer a result shows, among those the filters allow and, where any does, those that
    meet the limits (stated values first):
    - a price ceiling or "free": the cheapest (a free offer first when the need says free);
    - a context limit: the model itself (variant "") if it meets it, else the cheapest that does;
    - else a stated preference for price (the cheapest) or context (the largest);
    - else the model itself (variant ""), the cheapest of its providers, else the cheapest."""
    allowed = [o for o in offers if offer_allowed(o, required)]
    if not allowed:
        return None
    fitting = (
        [o for o in allowed if offer_meets(o, required, unknown_passes=False)]
        or [o for o in allowed if offer_meets(o, required)]
        or allowed
    )

    def cheapest(among: Sequence[Offer]) -> Offer:
        return min(among, key=lambda o: _cheapest_key(o, free_first=required.wants_free))

    if required.max_prompt_price is not None or required.free:
        return cheapest(fitting)
    if required.min_context:
        return cheapest([o for o in fitting if o.variant == ""] or fitting)
    for preference in required.prefer:
        if preference == "price":
            return cheapest(fitting)
        if preference == "context":
            return min(
                fitting,
                key=lambda o: (
                    (o.context_length is None, -(o.context_length or 0))
                    + _cheapest_key(o, free_first=False)
                ),
            )
    return cheapest([o for o in fitting if o.variant == ""] or fitting)
