"""Category evidence: centroids in the index, their share of the ranking, and the
task words of the vocabulary. Hand-made vectors, so every value is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matching import ranking
from matching.index import CapabilityIndex
from matching.vocabulary import read_as, registry_terms


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _index() -> CapabilityIndex:
    # Ten capabilities of one text each, in 3 dimensions. Capabilities 1-3 are
    # "vision" (3 members: a category), 4-5 "audio" (2: too few), 1-6 "general"
    # (6 of 10: most of the registry, so no category either), 7-10 have none.
    vectors = np.stack(
        [
            _unit(1, 0, 0),
            _unit(1, 1, 0),
            _unit(1, 0, 1),
            _unit(0, 1, 0),
            _unit(0, 1, 1),
            _unit(0, 0, 1),
            _unit(1, 1, 1),
            _unit(0, 1, 0),
            _unit(0, 0, 1),
            _unit(1, 0, 0),
        ]
    )
    categories = {
        1: ["vision", "general"],
        2: ["vision", "general"],
        3: ["vision", "general"],
        4: ["audio", "general"],
        5: ["audio", "general"],
        6: ["general"],
    }
    ids = np.arange(1, 11)
    return CapabilityIndex(
        vectors=vectors,
        capabilities=ids,
        artifacts=ids,
        kinds=np.zeros(10, dtype=np.int8),
        text_indexes=np.zeros(10, dtype=np.int32),
        hashes=np.array([bytes([i]) * 32 for i in range(10)], dtype="S32"),
        state="t1",
        model="hand-made",
        categories=categories,
    )


def test_only_categories_of_three_to_half_the_registry_get_a_centroid() -> None:
    index = _index()
    assert index.category_names == ["vision"]
    vision = np.mean([_unit(1, 0, 0), _unit(1, 1, 0), _unit(1, 0, 1)], axis=0)
    assert np.allclose(index.category_vectors[0], vision / np.linalg.norm(vision), atol=1e-6)


def test_category_similarity_or_the_registry_as_a_whole() -> None:
    index = _index()
    query = _unit(1, 0, 0)
    found = index.category_similarities(query, [1, 4, 9])
    vision = np.mean([_unit(1, 0, 0), _unit(1, 1, 0), _unit(1, 0, 1)], axis=0)
    everything = index.vectors().mean(axis=0)
    assert found[1] == (
        pytest.approx(float(vision[0] / np.linalg.norm(vision)), abs=1e-6),
        "vision",
    )
    overall = float(everything[0] / np.linalg.norm(everything))
    assert found[4] == (pytest.approx(overall, abs=1e-6), None)
    assert found[9] == (pytest.approx(overall, abs=1e-6), None)


def test_categories_survive_save_and_load(tmp_path: Path) -> None:
    index = _index()
    saved = index.save(tmp_path)
    loaded = CapabilityIndex.load(saved)
    query = _unit(1, 2, 3)
    assert loaded.category_names == ["vision"]
    assert loaded.category_similarities(query, [2, 5]) == index.category_similarities(query, [2, 5])
    (saved / "categories.json").unlink()
    assert CapabilityIndex.loadable(saved) is False  # rebuilt, never half loaded


def test_similarity_blends_text_and_category() -> None:
    text = 0.7 * 0.6 + 0.3 * 0.4
    with_category = ranking.rank(
        best_text=0.6, mean_text=0.4, category=0.3, trust_score=0, success_rate=0.5, feedback=0
    )
    assert with_category.similarity == pytest.approx(0.85 * text + 0.15 * 0.3)
    assert with_category.as_dict()["category"] == 0.3
    without = ranking.rank(
        best_text=0.6, mean_text=0.4, trust_score=0, success_rate=0.5, feedback=0
    )
    assert (without.similarity, without.as_dict()["category"]) == (pytest.approx(text), None)


@pytest.mark.parametrize(
    ("need", "terms"),
    [
        ("transcribe the weekly meeting", ["automatic speech recognition"]),
        ("estimate the depth of objects seen by a drone", ["depth estimation"]),
        ("find the people in a photo and draw a bounding box", ["images", "object detection"]),
        ("answer questions about scanned invoices", ["images", "document question answering"]),
        ("which of these sentences are paraphrases", ["sentence similarity"]),
        ("sort tweets by sentiment", ["text classification"]),
        # Everyday words that name no task.
        ("book a table at an Italian restaurant", []),
        ("an in-depth report on our customer segments", []),
        ("an agent that calls tools", []),
        # "turn" as a verb is no turn of a conversation.
        ("turn my blog posts into spoken audio", ["text-to-speech"]),
        ("keep context over many turns", ["multi-turn conversation context"]),
    ],
)
def test_task_words(need: str, terms: list[str]) -> None:
    assert registry_terms(need) == terms


def test_task_words_are_shown_in_read_as() -> None:
    assert read_as("transcribe the weekly meeting") == (
        "transcribe the weekly meeting (automatic speech recognition)"
    )


def test_the_best_of_several_categories_first_by_name_among_equals() -> None:
    # "a" and "b" have the same members: equal centroids, equal scores, and the first by name
    # wins whatever order a capability lists them in; "c" has others.
    vectors = np.array(
        [_unit(1, 0, 0), _unit(1, 1, 0), _unit(1, 0, 1), _unit(0, 1, 0), _unit(0, 1, 1)]
        + [_unit(0, 0, 1)] * 7,
        dtype=np.float32,
    )
    ids = np.arange(12, dtype=np.int64)
    index = CapabilityIndex(
        vectors=vectors,
        capabilities=ids,
        artifacts=ids,
        kinds=np.zeros(12, dtype=np.int8),
        text_indexes=np.zeros(12, dtype=np.int32),
        hashes=np.array([bytes([i]) * 32 for i in range(12)], dtype="S32"),
        state="t1",
        model="hand-made",
        categories={0: ["b", "a"], 1: ["a", "b", "c"], 2: ["a", "b"], 3: ["c"], 4: ["c"]},
    )
    assert index.category_names == ["a", "b", "c"]
    query = _unit(1, 0, 0)
    scores = index.category_vectors @ query
    assert scores[0] == scores[1] > scores[2]
    overall = float(index.registry_vector @ query)
    found = index.category_similarities(query, [3, 1, 0, 7, 1, 2, 99])
    assert found == {
        3: (float(scores[2]), "c"),
        1: (float(scores[0]), "a"),
        0: (float(scores[0]), "a"),
        7: (overall, None),
        2: (float(scores[0]), "a"),
        99: (overall, None),
    }
    assert list(found) == [3, 1, 0, 7, 2, 99]
    assert index.category_similarities(query, []) == {}
