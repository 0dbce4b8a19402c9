"""The approximate index (above MATCH_ANN_THRESHOLD rows): an inverted file of float16
vectors that finds what the exact flat index finds, saved and loaded as it is. Real model
vectors; nothing about time is asserted (bench/resolve_latency.py measures that)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matching.embeddings import Embedder
from matching.index import NPROBE, CapabilityIndex
from matching.indexing import current_index, index_forget

TASKS = ["summarize", "translate", "classify", "extract fields from", "answer questions about"]
TASKS += ["draft replies to", "proofread", "detect sentiment in"]
OBJECTS = ["legal contracts", "support tickets", "python code", "clinical notes", "invoices"]
OBJECTS += ["product reviews", "song lyrics", "tax forms"]
LFM = "openrouter-liquid-lfm-2-24b-a2b"
SCOUT = "openrouter-meta-llama-llama-4-scout"
MAVERICK = "openrouter-meta-llama-llama-4-maverick"
NEEDS = [
    "pull the totals out of invoices",
    "find bugs in my Python pull request",
    "is this song happy or sad",
    "answer a customer complaint politely",
    "turn a contract into plain English",
]


def _indexes(model: Embedder, tmp_path: Path) -> tuple[CapabilityIndex, CapabilityIndex]:
    """The flat and the approximate index of the same 2,000 distinct rows: each a blend of
    two real phrase vectors; four rows per capability, two capabilities per artifact."""
    phrases = model.encode([f"{t} {o}" for t in TASKS for o in OBJECTS])
    pairs = list(itertools.permutations(range(len(phrases)), 2))[:2000]
    vectors = np.stack([phrases[a] + 0.5 * phrases[b] for a, b in pairs])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    capabilities = np.arange(len(vectors)) // 4 + 1
    made: dict[str, Any] = {
        "vectors": vectors,
        "capabilities": capabilities,
        "artifacts": (capabilities + 1) // 2,
        "kinds": np.zeros(len(vectors), dtype=np.int8),
        "text_indexes": np.arange(len(vectors), dtype=np.int32) % 4,
        "hashes": np.array([i.to_bytes(32, "big") for i in range(len(vectors))], dtype="S32"),
        "state": "t1",
        "model": model.name,
        "categories": {int(c): [TASKS[int(c) % len(TASKS)]] for c in set(capabilities)},
    }
    flat = CapabilityIndex(**made, approximate_above=len(vectors))
    approximate = CapabilityIndex(**made, approximate_above=len(vectors) - 1)
    return flat, CapabilityIndex.load(approximate.save(tmp_path))


def test_the_approximate_index_finds_what_the_flat_one_finds(
    model: Embedder, tmp_path: Path
) -> None:
    flat, approximate = _indexes(model, tmp_path)
    assert (flat.approximate, approximate.approximate) == (False, True)
    # sqrt(2000) lists, of which a search scans NPROBE: not all of them.
    assert (approximate.lists, NPROBE) == (44, 32)
    assert approximate.category_names == flat.category_names
    assert np.abs(approximate.category_vectors - flat.category_vectors).max() < 1e-3
    for vector in model.encode(NEEDS):
        exact = flat.search(vector, k=40)
        found = approximate.search(vector, k=40)
        assert [h.capability for h in found[:10]] == [h.capability for h in exact[:10]]
        assert [h.row for h in found[:10]] == [h.row for h in exact[:10]]
        # float16 storage: similarities within a thousandth of the exact ones.
        assert [h.similarity for h in found[:10]] == pytest.approx(
            [h.similarity for h in exact[:10]], abs=1e-3
        )
        ids, _ = approximate.nearest(vector, k=10)
        flat_ids, _ = flat.nearest(vector, k=10)
        assert ids.tolist() == flat_ids.tolist()
        capabilities = [h.capability for h in exact[:10]]
        assert approximate.mean_similarities(vector, capabilities) == pytest.approx(
            flat.mean_similarities(vector, capabilities), abs=1e-3
        )


def test_filtered_search_returns_only_the_given_rows(model: Embedder, tmp_path: Path) -> None:
    """A constraint leaves a tenth of the rows: the search scans more lists and returns the
    same nearest of them as the flat index."""
    flat, approximate = _indexes(model, tmp_path)
    artifacts = list(range(1, 251, 10))
    rows = flat.rows_of_artifacts(artifacts)
    assert len(rows) == 200
    assert approximate._probes(k=40, selected=len(rows)) == 44  # every list
    for vector in model.encode(NEEDS):
        exact = flat.search(vector, k=40, rows=rows)
        found = approximate.search(vector, k=40, rows=rows)
        assert {h.artifact for h in found} <= set(artifacts)
        assert [h.capability for h in found] == [h.capability for h in exact]


def test_a_deepening_search_steps_through_one_search_as_searches_of_each_depth(
    model: Embedder, tmp_path: Path
) -> None:
    """Steps of 10, 40 and 160 rows within a fetch of 160 are one search, each step's hits
    those a search of that depth finds (2,000 distinct rows: no equal similarities); a step
    past what was fetched searches again, as deep as it asks."""
    flat, approximate = _indexes(model, tmp_path)
    artifacts = list(range(1, 251, 3))
    for index, rows in itertools.product(
        (flat, approximate), (None, flat.rows_of_artifacts(artifacts))
    ):
        for vector in model.encode(NEEDS):
            search = index.deepening(vector, rows=rows, at_least=0.2, fetch_ahead=160)
            for depth, searches in ((10, 1), (40, 1), (160, 1), (640, 2), (5000, 3)):
                hits, weakest = search.first(depth)
                alone, alone_weakest = index.search_rows(vector, k=depth, rows=rows, at_least=0.2)
                assert search.searches == searches
                assert (hits.rows.tolist(), weakest) == (alone.rows.tolist(), alone_weakest)
                assert hits.similarities.tolist() == alone.similarities.tolist()
                assert hits.capabilities.tolist() == alone.capabilities.tolist()
            assert len(hits) and min(hits.similarities) >= 0.2
            if rows is not None:
                assert set(hits.artifacts.tolist()) <= set(artifacts)
        nothing = index.deepening(vector, rows=np.zeros(0, dtype=np.int64))
        assert (len(nothing.first(10)[0]), nothing.first(10)[1], nothing.searches) == (0, None, 0)


def test_rows_of_and_without_artifacts_on_a_built_and_a_loaded_index(
    model: Embedder, tmp_path: Path
) -> None:
    """Each row belongs to artifact (capability + 1) // 2, capabilities 1..500, 4 rows each:
    artifact a holds rows 8a - 8 .. 8a - 1. Keys past the largest artifact, or never used,
    select nothing."""
    flat, loaded = _indexes(model, tmp_path)
    for index in (flat, loaded):
        assert index.rows_of_artifacts([1, 3, 10**9, -1]).tolist() == [*range(8), *range(16, 24)]
        assert index.rows_of_artifacts([3]).tolist() == list(range(16, 24))
        assert index.rows_of_artifacts([]).tolist() == []
        assert index.rows_without_artifacts([]).tolist() == list(range(2000))
        without = index.rows_without_artifacts([250, 2, 10**9])
        assert without.tolist() == [*range(8), *range(16, 1992)]
        assert index.rows_of_artifacts([250, 2]).tolist() == [*range(8, 16), *range(1992, 2000)]
        assert without.dtype == np.int64


def test_an_approximate_index_keeps_no_lossy_vectors_for_a_rebuild(
    model: Embedder, tmp_path: Path
) -> None:
    flat, approximate = _indexes(model, tmp_path)
    assert len(flat.vectors_by_hash()) == 2000
    assert approximate.vectors_by_hash() == {}  # the embedding cache has the exact ones


@pytest.mark.django_db
def test_resolve_over_the_approximate_index_answers_as_over_the_flat_one(
    seeds: list[str], model: Embedder, api: Any, settings: Any, tmp_path: Path
) -> None:
    def answers() -> list[list[tuple[str, str, str]]]:
        found = []
        for need in NEEDS + ["read a bar chart image and explain the trend"]:
            response = api.post("/api/v1/resolve", {"intent": need}, format="json")
            assert response.status_code == 200, response.content
            found.append(
                [
                    (r["artifact"]["slug"], r["capability"]["id"], r["rank"]["matchedText"])
                    for r in response.json()["resolved"]
                ]
            )
        return found

    exact = answers()
    assert current_index().approximate is False
    assert exact == [
        [("liquid-lfm-2-24b-a2b", f"{LFM}__cap_6", "Organizations needing reliable structured output for downstream processing")],
        [
            ("meta-llama-llama-4-scout", f"{SCOUT}__cap_5", "Debug model reasoning by examining intermediate steps and identifying error sources"),
            ("liquid-lfm-2-24b-a2b", f"{LFM}__cap_1", "Implement multi-turn debugging or code review workflows where the model references earlier code snippets and feedback"),
        ],
        [],
        [],
        [
            ("liquid-lfm-2-24b-a2b", f"{LFM}__cap_7", "Supports both explicit translation prompts and implicit multilingual generation based on input language."),
            ("meta-llama-llama-4-maverick", f"{MAVERICK}__cap_3", "I need to generate text that follows specific stylistic or tonal guidelines established in the prompt"),
        ],
        [("meta-llama-llama-4-maverick", f"{MAVERICK}__cap_1", "I want to understand charts, graphs, and infographics by converting visual data to text descriptions")],
    ]  # fmt: skip
    # Every row is above a threshold of 0: the index each process builds or loads is approximate.
    settings.MATCH_ANN_THRESHOLD = 0
    settings.MATCH_INDEX_DIR = tmp_path / "approximate"
    index_forget()
    assert answers() == exact
    assert current_index().approximate is True
