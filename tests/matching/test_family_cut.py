"""Names (slug, family) are read a few tie bands at a time until the shown families are found
(shortlist._rank), not for every model that fits: a band of more models than the first read
(64) must still be read whole, and the families after it found in the next bands."""

from __future__ import annotations

from typing import Any

from .listings import CONTRACTS, listing
from .test_ties import resolve, slugs


def test_families_past_a_band_larger_than_one_read(words: Any, api: Any) -> None:
    # 70 models of one family tie exactly with the need; the best of them by trust is shown,
    # the other 69 named in its sameFamily. The two other families lie in later bands.
    for i in range(70):
        listing(f"alpha-{i:02d}", family="maker/alpha", trust=90 if i == 41 else 50)
    listing("beta-1", family="maker/beta", text=f"{CONTRACTS} quickly", trust=10)
    listing("gamma-1", family="maker/gamma", text=f"{CONTRACTS} quickly in bulk", trust=99)
    answer = resolve(api, CONTRACTS, limit=3)
    assert slugs(answer) == ["alpha-41", "beta-1", "gamma-1"]
    first = answer["resolved"][0]
    assert first["sameFamily"] == [f"alpha-{i:02d}" for i in range(70) if i != 41]
    assert answer["ties"] is None  # one model per family shown: no two shown tie
    # The need names the family: each alpha model is its own, the first three by trust
    # (then by slug among equals) shown.
    answer = resolve(api, f"{CONTRACTS} with alpha", limit=3)
    assert slugs(answer) == ["alpha-41", "alpha-00", "alpha-01"]
