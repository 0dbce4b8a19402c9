"""The vector index of capability texts: the ONLY module that imports faiss.

One row per text (a capability's name with description, each intent, each
best_for line); rows carry the capability's primary key. Inner product over
unit vectors is cosine similarity. Each category with at least
CATEGORY_MIN_MEMBERS capabilities and at most CATEGORY_MAX_SHARE of them also
gets one vector: the normalised mean of its capabilities' texts, what the
category as a whole is about; the registry as a whole gets one too. An index is saved under a folder named by
the registry state it reflects, written to a temporary folder and renamed, so
a reader never sees half an index.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

from .embeddings import DIMENSIONS

# Keep faiss and numpy's BLAS from fighting torch and gunicorn workers for the
# cores: BLAS threads spin between calls and doubled the query encoding time.
faiss.omp_set_num_threads(1)
threadpool_limits(limits=1, user_api="blas")

KINDS = ("description", "intent", "best_for", "sentence")
# Bumped when the saved files or the texts they hold change; an index saved in
# another format is rebuilt.
FORMAT = 5
FILES = (
    "vectors.faiss",
    "capabilities.npy",
    "artifacts.npy",
    "kinds.npy",
    "text_indexes.npy",
    "hashes.npy",
    "categories.json",  # each capability's categories; centroids are recomputed on load
)
# A category of one or two capabilities says nothing beyond their own texts, and
# one that holds most of the registry ("text-generation-language") says nothing
# the registry as a whole does not.
CATEGORY_MIN_MEMBERS = 3
CATEGORY_MAX_SHARE = 0.5


@dataclass(frozen=True)
class Hit:
    row: int
    capability: int
    artifact: int
    kind: str
    text_index: int
    similarity: float


class CapabilityIndex:
    def __init__(
        self,
        vectors: np.ndarray,
        capabilities: np.ndarray,
        artifacts: np.ndarray,
        kinds: np.ndarray,
        text_indexes: np.ndarray,
        hashes: np.ndarray,
        state: str,
        model: str,
        categories: dict[int, list[str]] | None = None,
    ) -> None:
        self.capabilities = np.ascontiguousarray(capabilities, dtype=np.int64)
        # A capability never moves to another artifact, so the row's artifact is fixed too.
        self.artifacts = np.ascontiguousarray(artifacts, dtype=np.int64)
        self.kinds = np.ascontiguousarray(kinds, dtype=np.int8)
        self.text_indexes = np.ascontiguousarray(text_indexes, dtype=np.int32)
        self.hashes = np.asarray(hashes, dtype="S32")  # sha256 of each row's text
        self.state = state
        self.model = model
        dimensions = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[0] else DIMENSIONS
        self._index: faiss.Index = faiss.IndexFlatIP(dimensions)
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._rows_by_capability: dict[int, np.ndarray] | None = None
        self._set_categories(categories or {})

    def _set_categories(self, categories: dict[int, list[str]]) -> None:
        """Category centroids from the rows of each category's capabilities."""
        self.categories = categories
        vectors = self.vectors()
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
        centroids = np.zeros((len(names), self._index.d), "f4")
        pairs: list[tuple[int, int]] = []
        for position, name in enumerate(names):
            rows = np.concatenate([rows_of[c] for c in members[name]])
            mean = vectors[rows].mean(axis=0)
            centroids[position] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            pairs += [(c, position) for c in members[name]]
        everything = vectors.mean(axis=0) if len(vectors) else np.zeros(centroids.shape[1], "f4")
        self.category_names = names
        self.category_vectors = centroids
        # The capabilities in no such category are measured against the registry as a whole.
        self.registry_vector = (everything / max(float(np.linalg.norm(everything)), 1e-12)).astype(
            "f4"
        )
        self.member_capabilities = np.array([c for c, _ in pairs], dtype=np.int64)
        self.member_categories = np.array([p for _, p in pairs], dtype=np.int32)
        self._categories_of: dict[int, list[int]] | None = None

    def category_similarities(
        self, query: np.ndarray, capabilities: list[int]
    ) -> dict[int, tuple[float, str | None]]:
        """Each given capability's best category: (the query's similarity to it, its name).
        A capability in no category of CATEGORY_MIN_MEMBERS or more gets the query's
        similarity to the registry as a whole, and no name."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        overall = float(self.registry_vector @ query)
        if self._categories_of is None:
            self._categories_of = {}
            for capability, position in zip(
                self.member_capabilities.tolist(), self.member_categories.tolist(), strict=True
            ):
                self._categories_of.setdefault(capability, []).append(position)
        scores = self.category_vectors @ query
        found: dict[int, tuple[float, str | None]] = {}
        for capability in capabilities:
            positions = self._categories_of.get(capability)
            if positions:
                best = max(positions, key=lambda p: scores[p])
                found[capability] = (float(scores[best]), self.category_names[best])
            else:
                found[capability] = (overall, None)
        return found

    def best_category_similarity(self, query: np.ndarray) -> float:
        """The query's similarity to its closest category, or to the registry as a whole."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        overall = float(self.registry_vector @ query)
        if not len(self.category_vectors):
            return overall
        return max(overall, float((self.category_vectors @ query).max()))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def vectors_by_hash(self) -> dict[bytes, np.ndarray]:
        """Every row's vector by its text hash, for an incremental rebuild."""
        if len(self) == 0:
            return {}
        matrix = self._index.reconstruct_n(0, len(self))
        return {bytes(h): matrix[i] for i, h in enumerate(self.hashes)}

    @property
    def capability_count(self) -> int:
        return int(len(np.unique(self.capabilities)))

    def _rows_of(self) -> dict[int, np.ndarray]:
        """Each capability's row ids, grouped once per loaded index."""
        if self._rows_by_capability is None:
            order = np.argsort(self.capabilities, kind="stable")
            keys, starts = np.unique(self.capabilities[order], return_index=True)
            ends = list(starts[1:]) + [len(order)]
            self._rows_by_capability = {
                int(key): order[start:end]
                for key, start, end in zip(keys, starts, ends, strict=True)
            }
        return self._rows_by_capability

    def rows_of_artifacts(self, artifacts: list[int]) -> np.ndarray:
        """Row ids of the given artifacts' capabilities (for a filtered search)."""
        return np.flatnonzero(np.isin(self.artifacts, artifacts)).astype(np.int64)

    def rows_without_artifacts(self, artifacts: list[int]) -> np.ndarray:
        """Row ids of every artifact's capabilities but the given ones' (hidden listings)."""
        return np.flatnonzero(~np.isin(self.artifacts, artifacts)).astype(np.int64)

    def vectors(self) -> np.ndarray:
        """Every row's vector: a read-only view of the index's own storage, no copy."""
        count, dimensions = len(self), self._index.d
        if count == 0:
            return np.zeros((0, dimensions), dtype=np.float32)
        view = faiss.rev_swig_ptr(self._index.get_xb(), count * dimensions)  # type: ignore[attr-defined]
        matrix = np.asarray(view).reshape(count, dimensions)
        matrix.flags.writeable = False
        return matrix

    def mean_similarities(self, query: np.ndarray, capabilities: list[int]) -> dict[int, float]:
        """The query's mean similarity over all text rows of each given capability."""
        rows_of = self._rows_of()
        groups = [rows_of.get(c) for c in capabilities]
        present = [(c, g) for c, g in zip(capabilities, groups, strict=True) if g is not None]
        if not present:
            return {}
        rows = np.concatenate([g for _, g in present])
        sizes = np.array([len(g) for _, g in present])
        similarities = self.vectors()[rows] @ np.asarray(query, dtype=np.float32).reshape(-1)
        sums = np.add.reduceat(similarities, np.concatenate(([0], np.cumsum(sizes)[:-1])))
        return {
            c: float(total / size) for (c, _), total, size in zip(present, sums, sizes, strict=True)
        }

    def search(self, query: np.ndarray, *, k: int, rows: np.ndarray | None = None) -> list[Hit]:
        """The best of the k nearest rows per capability, optionally among `rows` only."""
        if len(self) == 0 or k <= 0 or (rows is not None and len(rows) == 0):
            return []
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if rows is None:
            k = min(k, len(self))
            scores, ids = self._index.search(query, k)
        else:
            k = min(k, len(rows))
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))  # type: ignore[call-arg]
            scores, ids = self._index.search(query, k, params=params)
        return self._hits(scores[0], ids[0])

    def _hits(self, scores: np.ndarray, ids: np.ndarray) -> list[Hit]:
        """Hits in order, keeping each capability's best row only (the rest add nothing)."""
        valid = ids >= 0
        scores, ids = scores[valid], ids[valid]
        _, first = np.unique(self.capabilities[ids], return_index=True)
        first.sort()
        return [
            Hit(
                row=int(ids[i]),
                capability=int(self.capabilities[ids[i]]),
                artifact=int(self.artifacts[ids[i]]),
                kind=KINDS[int(self.kinds[ids[i]])],
                text_index=int(self.text_indexes[ids[i]]),
                similarity=float(scores[i]),
            )
            for i in first
        ]

    def save(self, folder: Path) -> Path:
        """Write to folder/<state>/ atomically; returns that path."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / self.state
        if self.loadable(target):
            return target
        shutil.rmtree(target, ignore_errors=True)  # another format, or half written by hand
        scratch = Path(tempfile.mkdtemp(dir=folder, prefix=".building-"))
        try:
            faiss.write_index(self._index, str(scratch / "vectors.faiss"))
            np.save(scratch / "capabilities.npy", self.capabilities)
            np.save(scratch / "artifacts.npy", self.artifacts)
            np.save(scratch / "kinds.npy", self.kinds)
            np.save(scratch / "text_indexes.npy", self.text_indexes)
            np.save(scratch / "hashes.npy", self.hashes)
            (scratch / "categories.json").write_text(json.dumps(list(self.categories.items())))
            (scratch / "meta.json").write_text(
                json.dumps(
                    {
                        "format": FORMAT,
                        "state": self.state,
                        "model": self.model,
                        "rows": len(self),
                    }
                )
            )
            os.replace(scratch, target)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return target

    @staticmethod
    def loadable(path: Path) -> bool:
        """A complete index saved in this code's format."""
        try:
            meta = json.loads((path / "meta.json").read_text())
        except (OSError, ValueError):
            return False
        return bool(
            isinstance(meta, dict)
            and meta.get("format") == FORMAT
            and all((path / name).is_file() for name in FILES)
        )

    @classmethod
    def load(cls, path: Path) -> CapabilityIndex:
        meta = json.loads((path / "meta.json").read_text())
        index = cls.__new__(cls)
        index._index = faiss.read_index(str(path / "vectors.faiss"))
        index.capabilities = np.load(path / "capabilities.npy")
        index.artifacts = np.load(path / "artifacts.npy")
        index.kinds = np.load(path / "kinds.npy")
        index.text_indexes = np.load(path / "text_indexes.npy")
        index.hashes = np.load(path / "hashes.npy")
        index.state = meta["state"]
        index.model = meta["model"]
        index._rows_by_capability = None
        pairs = json.loads((path / "categories.json").read_text())
        index._set_categories({int(pk): names for pk, names in pairs})
        return index


def prune(folder: Path, keep: set[str]) -> None:
    """Remove saved indexes other than `keep` (older states)."""
    if not folder.exists():
        return
    for child in folder.iterdir():
        if child.is_dir() and child.name not in keep and not child.name.startswith(".building-"):
            shutil.rmtree(child, ignore_errors=True)
