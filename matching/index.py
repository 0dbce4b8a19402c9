"""The vector index of capability texts: the ONLY module that imports faiss.

One row per text (a capability's name with description, each intent, each
best_for line); rows carry the capability's primary key. Inner product over
unit vectors is cosine similarity. An index is saved under a folder named by
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

# Keep faiss and numpy's BLAS from fighting torch and gunicorn workers for the
# cores: BLAS threads spin between calls and doubled the query encoding time.
faiss.omp_set_num_threads(1)
threadpool_limits(limits=1, user_api="blas")

KINDS = ("description", "intent", "best_for", "sentence")
# Bumped when the saved files or the texts they hold change; an index saved in
# another format is rebuilt.
FORMAT = 3


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
    ) -> None:
        self.capabilities = np.ascontiguousarray(capabilities, dtype=np.int64)
        # A capability never moves to another artifact, so the row's artifact is fixed too.
        self.artifacts = np.ascontiguousarray(artifacts, dtype=np.int64)
        self.kinds = np.ascontiguousarray(kinds, dtype=np.int8)
        self.text_indexes = np.ascontiguousarray(text_indexes, dtype=np.int32)
        self.hashes = np.asarray(hashes, dtype="S32")  # sha256 of each row's text
        self.state = state
        self.model = model
        dimensions = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[0] else 384
        self._index: faiss.Index = faiss.IndexFlatIP(dimensions)
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._rows_by_capability: dict[int, np.ndarray] | None = None

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

    def rows_for(self, capabilities: set[int]) -> np.ndarray:
        """Row ids of the given capabilities (for a filtered search)."""
        rows_of = self._rows_of()
        parts = [rows_of[c] for c in capabilities if c in rows_of]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

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
            (scratch / "meta.json").write_text(
                json.dumps(
                    {"format": FORMAT, "state": self.state, "model": self.model, "rows": len(self)}
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
            return bool(json.loads((path / "meta.json").read_text()).get("format") == FORMAT)
        except (OSError, ValueError):
            return False

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
        return index


def prune(folder: Path, keep: set[str]) -> None:
    """Remove saved indexes other than `keep` (older states)."""
    if not folder.exists():
        return
    for child in folder.iterdir():
        if child.is_dir() and child.name not in keep and not child.name.startswith(".building-"):
            shutil.rmtree(child, ignore_errors=True)
