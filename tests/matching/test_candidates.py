"""A resolve ranks a search's hits as columns (matching.candidates): each model's similarity
must be the very float the per-object computation gives (ranking.capability_similarity over
Python floats), in the same dict order, or tie bands and answers would move."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from matching import ranking
from matching.candidates import Candidate, candidates_of
from matching.embeddings import Embedder
from matching.index import CapabilityIndex

from .test_ann import NEEDS, _indexes


def _by_objects(index: CapabilityIndex, query: np.ndarray, k: int) -> tuple[dict, list]:
    """What shortlist did before the columns: a Candidate per hit, a loop for the maxima."""
    hits, _ = index.search_above(query, k=k, at_least=ranking.NO_MATCH_THRESHOLD)
    capabilities = [hit.capability for hit in hits]
    means = index.mean_similarities(query, capabilities)
    categories = index.category_similarities(query, capabilities)
    candidates = [
        Candidate(hit=h, best_text=h.similarity, mean_text=means[h.capability], category=c)
        for h in hits
        if (c := categories[h.capability])
    ]
    similarity: dict[int, float] = {}
    for candidate in candidates:
        artifact = candidate.hit.artifact
        similarity[artifact] = max(candidate.similarity, similarity.get(artifact, -1.0))
    return similarity, candidates


def test_columns_give_the_same_floats_as_objects(model: Embedder, tmp_path: Path) -> None:
    flat, approximate = _indexes(model, tmp_path)
    sizes = []
    for index in (flat, approximate):
        for query in model.encode([*NEEDS, "a need nothing here is about: zzqx"]):
            for k in (10, 150, 2000):
                expected, objects = _by_objects(index, query, k)
                hits, _ = index.search_rows(query, k=k, at_least=ranking.NO_MATCH_THRESHOLD)
                columns = candidates_of(hits, index, query)
                found = columns.best_of_each_model()
                sizes.append(len(found))
                assert list(found.items()) == list(expected.items())
                some = list(expected)[::3]
                assert columns.of_artifacts(some) == [
                    c for c in objects if c.hit.artifact in set(some)
                ]
    # Deep searches reached most of the 250 models; the last need reaches none.
    assert max(sizes) > 100
    assert sizes[-1] == 0
