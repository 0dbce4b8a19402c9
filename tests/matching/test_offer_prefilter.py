"""The database narrows the models a need's offer limits leave (resolve._offers_fitting) before
offers.model_fits checks each one: the narrowing must never drop a model that fits, at the
edges of each limit (a price exactly at the ceiling, a context exactly at the minimum, values
not stated, free, variants), nor keep one that does not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from matching.constraints import Required
from matching.resolve import _eligible_artifacts
from registry.models import Artifact

from .listings import listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def models() -> None:
    listing("at-ceiling", price="0.5", context=32768)
    listing("over-ceiling", price="0.500001", context=32768)
    listing("unpriced", price=None, context=None)
    listing("zero", price="0", context=8192)
    listing("huge-price", price="123456789.123456", context=1048576)
    listing(
        "cheap-offer",
        price="3",
        context=8192,
        offers=[{"prompt_price_per_1m": "0.25", "context_length": 200000}],
    )
    listing(
        "free-variant",
        price="2",
        context=4096,
        offers=[
            {"variant": "free", "free": True, "prompt_price_per_1m": "0", "context_length": 65536},
            {"variant": "batch", "prompt_price_per_1m": "1", "context_length": None},
        ],
    )
    listing("unpriced-offer", price="7", context=1000, offers=[{"context_length": 131072}])


def _slugs(required: Required) -> list[str]:
    eligible, impossible = _eligible_artifacts(required)
    assert impossible is None
    assert eligible is not None
    return sorted(Artifact.objects.filter(pk__in=eligible).values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("required", "expected"),
    [
        (
            Required(max_prompt_price=Decimal("0.5")),
            ["at-ceiling", "cheap-offer", "free-variant", "unpriced", "unpriced-offer", "zero"],
        ),
        (
            Required(max_prompt_price=Decimal("0.499999")),
            ["cheap-offer", "free-variant", "unpriced", "unpriced-offer", "zero"],
        ),
        (Required(max_prompt_price=Decimal(0)), ["free-variant", "zero"]),
        (
            Required(min_context=32768),
            ["at-ceiling", "cheap-offer", "free-variant", "huge-price", "over-ceiling"]
            + ["unpriced", "unpriced-offer"],
        ),
        (
            Required(min_context=32769),
            ["cheap-offer", "free-variant", "huge-price", "unpriced"] + ["unpriced-offer"],
        ),
        (
            Required(min_context=100000, max_prompt_price=Decimal("0.25")),
            ["cheap-offer", "unpriced", "unpriced-offer"],
        ),
        (Required(variant="free"), ["free-variant"]),
        (Required(variant="batch", max_prompt_price=Decimal("0.99")), []),
        (Required(variant="batch", min_context=10**9), ["free-variant"]),
        (Required(free=True, min_context=65537), []),
        (Required(free=False), ["cheap-offer", "free-variant", "unpriced-offer"]),
        # A ceiling of more than 15 significant digits is compared with a margin in SQL
        # and decided in Python (resolve._exact_ceiling), at the edges too.
        (
            Required(max_prompt_price=Decimal("0.50000000000000001")),
            ["at-ceiling", "cheap-offer", "free-variant", "unpriced", "unpriced-offer", "zero"],
        ),
        (
            Required(max_prompt_price=Decimal("0.49999999999999999")),
            ["cheap-offer", "free-variant", "unpriced", "unpriced-offer", "zero"],
        ),
        # 15 significant digits, exactly the price of one: compared exactly in SQL.
        (
            Required(max_prompt_price=Decimal("123456789.123456")),
            ["at-ceiling", "cheap-offer", "free-variant", "huge-price", "over-ceiling"]
            + ["unpriced", "unpriced-offer", "zero"],
        ),
        (
            Required(max_prompt_price=Decimal("123456789.1234559")),
            ["at-ceiling", "cheap-offer", "free-variant", "over-ceiling", "unpriced"]
            + ["unpriced-offer", "zero"],
        ),
        (
            Required(max_prompt_price=Decimal("1000000")),
            ["at-ceiling", "cheap-offer", "free-variant", "over-ceiling", "unpriced"]
            + ["unpriced-offer", "zero"],
        ),
    ],
)
def test_offer_limits_keep_exactly_the_fitting_models(
    models: None, required: Required, expected: list[str]
) -> None:
    assert _slugs(required) == expected
