"""A resolve's candidates: the capabilities whose best text clears the no-match threshold,
with the parts of their similarity to the need (ranking.capability_similarity): as columns
while a search's thousands of hits are ranked, as objects for the models that can be shown."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from . import ranking
from .index import CapabilityIndex, Hit, HitRows


@dataclass(frozen=True)
class Candidate:
    hit: Hit  # the capability's best-matching text row
    best_text: float
    mean_text: float
    # The need's similarity to its best category, and that category's name (None: the
    # registry as a whole stood in).
    category: tuple[float, str | None]

    @property
    def similarity(self) -> float:
        return ranking.capability_similarity(
            best_text=self.best_text, mean_text=self.mean_text, category=self.category[0]
        )


@dataclass(frozen=True)
class Candidates:
    """The hits whose best text clears the no-match threshold, as columns, with their
    similarity parts (float64; Candidate holds one): a deep search at 100k capabilities keeps
    about 9,000, and an object each, with its similarity worked out in Python, took most of
    a resolve. Objects are made for the models that can be shown only (of_artifacts)."""

    hits: HitRows
    mean_text: np.ndarray
    category: np.ndarray
    category_at: np.ndarray  # positions in the index's category_names; -1: the registry
    similarity: np.ndarray
    category_names: list[str]

    def best_of_each_model(self) -> dict[int, float]:
        """Each model's most similar capability's similarity, the models in the order they
        first appear among the hits (as a loop over them would fill a dict)."""
        artifacts = self.hits.artifacts
        if not len(artifacts):
            return {}
        order = np.argsort(artifacts, kind="stable")
        keys, starts = np.unique(artifacts[order], return_index=True)
        best = np.maximum.reduceat(self.similarity[order], starts)
        appearance = np.argsort(order[starts])  # a stable sort keeps each model's first hit
        return dict(zip(keys[appearance].tolist(), best[appearance].tolist(), strict=True))

    def of_artifacts(self, artifacts: Collection[int]) -> list[Candidate]:
        """The candidates of these models as objects, in hit order."""
        positions = np.flatnonzero(np.isin(self.hits.artifacts, list(artifacts)))
        return [
            Candidate(
                hit=hit,
                best_text=hit.similarity,
                mean_text=mean,
                category=(category, self.category_names[at] if at >= 0 else None),
            )
            for hit, mean, category, at in zip(
                self.hits.hits(positions),
                self.mean_text[positions].tolist(),
                self.category[positions].tolist(),
                self.category_at[positions].tolist(),
                strict=True,
            )
        ]


def candidates_of(hits: HitRows, index: CapabilityIndex, query: np.ndarray) -> Candidates:
    """The hits with their similarity parts: `hits` as index.search_rows gives them with
    at_least=ranking.NO_MATCH_THRESHOLD, which has left out every hit under the threshold
    (comparing in float64, as Candidate's Python floats compare)."""
    best = hits.similarities.astype(np.float64)
    mean = index.mean_similarity_array(query, hits.capabilities)
    category, category_at = index.category_similarity_arrays(query, hits.capabilities)
    return Candidates(
        hits=hits,
        mean_text=mean,
        category=category,
        category_at=category_at,
        similarity=ranking.capability_similarities(
            best_text=best, mean_text=mean, category=category
        ),
        category_names=index.category_names,
    )
