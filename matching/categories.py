"""Category centroids of the capability index: each category with at least
CATEGORY_MIN_MEMBERS capabilities and at most CATEGORY_MAX_SHARE of them gets one vector, the
normalised mean of its capabilities' texts; the registry as a whole gets one too. A mixin of
matching.index.CapabilityIndex (which alone imports faiss), kept apart for its size."""

from __future__ import annotations

import numpy as np

# A category of one or two capabilities says nothing beyond their own texts, and
# one that holds most of the registry ("text-generation-language") says nothing
# the registry as a whole does not.
CATEGORY_MIN_MEMBERS = 3
CATEGORY_MAX_SHARE = 0.5


class CategoryCentroids:
    """What CapabilityIndex gives the centroids: rows by capability, means of rows, width."""

    categories: dict[int, list[str]]
    category_names: list[str]
    category_vectors: np.ndarray
    registry_vector: np.ndarray
    member_capabilities: np.ndarray
    member_categories: np.ndarray
    _categories_of: tuple[np.ndarray, np.ndarray, np.ndarray] | None

    def __len__(self) -> int:
        raise NotImplementedError

    def _dimensions(self) -> int:
        raise NotImplementedError

    def _rows_of(self) -> dict[int, np.ndarray]:
        raise NotImplementedError

    def _mean_of(self, rows: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def _set_categories(self, categories: dict[int, list[str]]) -> None:
        """Category centroids from the rows of each category's capabilities."""
        self.categories = categories
        present = set(self._rows_of())
        members: dict[str, list[int]] = {}
        for capability, names in categories.items():
            if capability in present:
                for name in dict.fromkeys(names):
                    members.setdefault(name, []).append(capability)
        most = CATEGORY_MAX_SHARE * len(present)
        names = sorted(
            n for n, caps in members.items() if CATEGORY_MIN_MEMBERS <= len(caps) <= most
        )
        rows_of = self._rows_of()
        centroids = np.zeros((len(names), self._dimensions()), "f4")
        pairs: list[tuple[int, int]] = []
        for position, name in enumerate(names):
            rows = np.concatenate([rows_of[c] for c in members[name]])
            mean = self._mean_of(rows)
            centroids[position] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            pairs += [(c, position) for c in members[name]]
        everything = self._mean_of(None) if len(self) else np.zeros(centroids.shape[1], "f4")
        self.category_names = names
        self.category_vectors = centroids
        # The capabilities in no such category are measured against the registry as a whole.
        self.registry_vector = (everything / max(float(np.linalg.norm(everything)), 1e-12)).astype(
            "f4"
        )
        self.member_capabilities = np.array([c for c, _ in pairs], dtype=np.int64)
        self.member_categories = np.array([p for _, p in pairs], dtype=np.int32)
        self._categories_of: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def category_similarities(
        self, query: np.ndarray, capabilities: list[int]
    ) -> dict[int, tuple[float, str | None]]:
        """Each given capability's best category: (the query's similarity to it, its name).
        A capability in no category of CATEGORY_MIN_MEMBERS or more gets the query's
        similarity to the registry as a whole, and no name. Of equal categories the first by
        name wins."""
        values, at = self.category_similarity_arrays(query, np.asarray(capabilities, np.int64))
        return {
            capability: (value, self.category_names[position] if position >= 0 else None)
            for capability, value, position in zip(
                capabilities, values.tolist(), at.tolist(), strict=True
            )
        }

    def category_similarity_arrays(
        self, query: np.ndarray, capabilities: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """category_similarities as columns in the order given: the similarities (float64)
        and each category's position in category_names (-1: the registry as a whole)."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        overall = float(self.registry_vector @ query)
        keys, starts, positions = self._category_groups()
        wanted = np.asarray(capabilities, dtype=np.int64)
        values = np.full(len(wanted), overall)
        at = np.full(len(wanted), -1, dtype=np.int64)
        if not len(keys) or not len(wanted):
            return values, at
        where = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        known = keys[where] == wanted
        # The memberships of the wanted member capabilities only, group after group.
        members = where[known]
        begin, count = starts[members], starts[members + 1] - starts[members]
        offsets = np.cumsum(count) - count  # where each group starts among the gathered
        gathered = np.repeat(begin - offsets, count) + np.arange(int(count.sum()))
        scores = (self.category_vectors @ query)[positions[gathered]]
        if not len(offsets):
            return values, at
        best = np.maximum.reduceat(scores, offsets)
        # The first membership of each group that scores its best.
        index = np.arange(len(scores))
        first = np.minimum.reduceat(
            np.where(scores == np.repeat(best, count), index, len(index)), offsets
        )
        values[known] = best
        at[known] = positions[gathered[first]]
        return values, at

    def _category_groups(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The member capabilities (sorted), where each one's categories start, and those
        categories' positions in membership order: grouped once per loaded index."""
        if self._categories_of is None:
            order = np.argsort(self.member_capabilities, kind="stable")
            keys, starts = np.unique(self.member_capabilities[order], return_index=True)
            # One start past the last group: group i is starts[i]:starts[i + 1].
            bounds = np.append(starts, len(order)).astype(np.int64)
            self._categories_of = (keys, bounds, self.member_categories[order])
        return self._categories_of

    def best_category_similarity(self, query: np.ndarray) -> float:
        """The query's similarity to its closest category, or to the registry as a whole."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        overall = float(self.registry_vector @ query)
        if not len(self.category_vectors):
            return overall
        return max(overall, float((self.category_vectors @ query).max()))
