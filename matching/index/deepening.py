"""A need's search of the index deepened in steps (shortlist.shortlist goes deeper while a
model not reached could still tie with one it would show): one search fetches at least
`fetch_ahead` rows, and each step within what it fetched is that search's first rows, not a
new search. The index's searches cost about as much at 2,400 rows as at 150 where they cost
the most: at 100k capabilities a search among a third of the rows (the models that take
images) scans 106 of 632 lists, 4.3 ms at 150 rows and 5.1 at 2,400, so three steps of 150,
600 and 2,400 rows took 13 ms and take 5 now.

The first k rows of a search of k' > k rows are the k rows a search of k would find: both
scan the same lists (CapabilityIndex._probes asks for as many whenever the deeper search's
own depth does not ask for more: below about 16 x sqrt(rows) rows, 10,000 at 400k rows) and
keep the best rows of them. Only rows of exactly equal similarity at the k-th place may be
others (the order among equal scores is the search's own), and a step that ends among them
goes deeper or stops on that similarity alone."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .hits import HitRows

# A search for the k nearest rows: their similarities and row ids (-1: none), best first.
Fetch = Callable[[int], tuple[np.ndarray, np.ndarray]]
# Hits of such rows, each capability's best, those under `at_least` left out (_hits).
Hits = Callable[[np.ndarray, np.ndarray, float | None], tuple[HitRows, "float | None"]]


class Deepening:
    def __init__(
        self, fetch: Fetch, hits: Hits, *, available: int, at_least: float | None, ahead: int
    ) -> None:
        self._fetch = fetch
        self._hits = hits
        self._available = available
        self._at_least = at_least
        self._ahead = ahead
        self._fetched = 0
        self._scores = np.zeros(0, dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self.searches = 0  # searches run so far

    def first(self, k: int) -> tuple[HitRows, float | None]:
        """The hits among the k nearest rows, and the similarity of the last of them before
        `at_least` cut (CapabilityIndex.search_rows)."""
        k = min(k, self._available)
        if k <= 0:
            return HitRows.empty(), None
        if k > self._fetched:
            fetched = min(self._available, max(k, self._ahead))
            self._scores, self._ids = self._fetch(fetched)
            self._fetched = fetched
            self.searches += 1
        return self._hits(self._scores[:k], self._ids[:k], self._at_least)
