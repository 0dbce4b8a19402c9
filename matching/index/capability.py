"""CapabilityIndex: the vector index of capability texts and its searches (flat, or
approximate above MATCH_ANN_THRESHOLD rows: matching.index.ann), one row per text, each
carrying its capability's primary key; see the package's docstring."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

from ..categories import CategoryCentroids
from ..embeddings import DIMENSIONS
from . import storage
from .ann import DECODE_CHUNK, NPROBE, _approximate, ann_threshold
from .deepening import Deepening, Fetch
from .hits import Hit, HitRows

# Keep faiss and numpy's BLAS from fighting torch and gunicorn workers for the
# cores: BLAS threads spin between calls and doubled the query encoding time.
faiss.omp_set_num_threads(1)
threadpool_limits(limits=1, user_api="blas")


def _nothing(k: int) -> tuple[np.ndarray, np.ndarray]:
    """The search of no rows."""
    return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)


def _flat(vectors: np.ndarray, dimensions: int) -> faiss.Index:
    index = faiss.IndexFlatIP(dimensions)
    if len(vectors):
        index.add(vectors)
    return index


class CapabilityIndex(CategoryCentroids):
    # Worked out from the rows when first asked (_caches_clear).
    _rows_by_capability: dict[int, np.ndarray] | None
    _means: tuple[np.ndarray, np.ndarray] | None
    _top_artifact: int | None  # the largest artifact key (_of_artifacts)

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
        approximate_above: int | None = None,
    ) -> None:
        """`approximate_above`: rows above which the index is approximate (default:
        settings.MATCH_ANN_THRESHOLD)."""
        self.capabilities = np.ascontiguousarray(capabilities, dtype=np.int64)
        # A capability never moves to another artifact, so the row's artifact is fixed too.
        self.artifacts = np.ascontiguousarray(artifacts, dtype=np.int64)
        self.kinds = np.ascontiguousarray(kinds, dtype=np.int8)
        self.text_indexes = np.ascontiguousarray(text_indexes, dtype=np.int32)
        self.hashes = np.asarray(hashes, dtype="S32")  # sha256 of each row's text
        self.state = state
        self.model = model
        dimensions = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[0] else DIMENSIONS
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if approximate_above is None:
            approximate_above = ann_threshold()
        self._index: faiss.Index = (
            _approximate(vectors)
            if len(vectors) > approximate_above
            else _flat(vectors, dimensions)
        )
        self._caches_clear()
        self._set_categories(categories or {})
        if self.approximate:
            self._capability_means()  # here, not on a request

    def _mean_of(self, rows: np.ndarray | None) -> np.ndarray:
        """The mean vector of the given rows (of every row: None)."""
        if not self.approximate:
            vectors = self.vectors()
            return (vectors if rows is None else vectors[rows]).mean(axis=0)
        # Decoded from float16 a chunk at a time: never a float32 copy of the whole index.
        count = len(self) if rows is None else len(rows)
        total = np.zeros(self._index.d, dtype=np.float64)
        for start in range(0, count, DECODE_CHUNK):
            if rows is None:
                chunk = self._index.reconstruct_n(start, min(DECODE_CHUNK, count - start))
            else:
                chunk = self._row_vectors(rows[start : start + DECODE_CHUNK])
            total += chunk.sum(axis=0, dtype=np.float64)
        return (total / max(count, 1)).astype(np.float32)

    @property
    def approximate(self) -> bool:
        """An inverted file of float16 vectors (above MATCH_ANN_THRESHOLD rows), not exact."""
        return isinstance(self._index, faiss.IndexIVF)

    @property
    def lists(self) -> int:
        """The approximate index's inverted lists (0: a flat index)."""
        return int(faiss.extract_index_ivf(self._index).nlist) if self.approximate else 0

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _dimensions(self) -> int:
        return int(self._index.d)

    def vectors_by_hash(self) -> dict[bytes, np.ndarray]:
        """Every row's vector by its text hash, for an incremental rebuild. None from an
        approximate index: it holds them in float16, and a rebuild wants the exact ones
        (the text embedding cache has them)."""
        if len(self) == 0 or self.approximate:
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

    def _caches_clear(self) -> None:
        """What the index works out from its rows when first asked, not yet worked out: set
        here for a new index and for a loaded one (storage.load), so neither can miss one."""
        self._rows_by_capability = None
        self._means = None
        self._top_artifact = None

    def rows_of_artifacts(self, artifacts: list[int]) -> np.ndarray:
        """Row ids of the given artifacts' capabilities (for a filtered search)."""
        return np.flatnonzero(self._of_artifacts(artifacts)).astype(np.int64)

    def rows_without_artifacts(self, artifacts: list[int]) -> np.ndarray:
        """Row ids of every artifact's capabilities but the given ones' (hidden listings)."""
        return np.flatnonzero(~self._of_artifacts(artifacts)).astype(np.int64)

    def _of_artifacts(self, artifacts: list[int]) -> np.ndarray:
        """Whether each row's artifact is one of the given: a table indexed by artifact key
        (they are database keys, at most a few times the listings), then one lookup per row.
        np.isin sorted both instead: 14 ms at 400,000 rows and 8,000 artifacts, this 2 ms."""
        if not len(self.artifacts):
            return np.zeros(0, dtype=bool)
        if self._top_artifact is None:
            self._top_artifact = int(self.artifacts.max())
        wanted = np.asarray(artifacts, dtype=np.int64)
        table = np.zeros(self._top_artifact + 1, dtype=bool)
        table[wanted[(wanted >= 0) & (wanted <= self._top_artifact)]] = True
        return table[self.artifacts]

    def vectors(self) -> np.ndarray:
        """Every row's vector: a read-only view of the flat index's own storage, no copy (an
        approximate index decodes a float32 copy of them all: not for a request's path)."""
        count, dimensions = len(self), self._index.d
        if count == 0:
            return np.zeros((0, dimensions), dtype=np.float32)
        if self.approximate:
            matrix = self._index.reconstruct_n(0, count)
            matrix.flags.writeable = False
            return matrix
        view = faiss.rev_swig_ptr(self._index.get_xb(), count * dimensions)  # type: ignore[attr-defined]
        matrix = np.asarray(view).reshape(count, dimensions)
        matrix.flags.writeable = False
        return matrix

    def _capability_means(self) -> tuple[np.ndarray, np.ndarray]:
        """An approximate index's capability means: a table by capability key of each one's
        position (-1: no row here), and the mean of each one's row vectors, rounded to float16
        and held as float32. The mean similarity over a capability's rows is the similarity to
        their mean: decoding every row of a resolve's candidates took 21 ms a call at 100k
        capabilities (faiss decodes row by row). Held as float32, not float16, because numpy
        converts float16 slowly: 7.5 of the 8.5 ms that 9,274 candidates' similarities took
        at 100k (bench/resolve_latency.py), at the cost of 77 MB more memory there. The table, not a
        binary search of sorted keys: 0.85 ms of them. Computed once, from the stored rows."""
        if self._means is None:
            keys, inverse, counts = np.unique(
                self.capabilities, return_inverse=True, return_counts=True
            )
            sums = np.zeros((len(keys), self._index.d), dtype=np.float64)
            for start in range(0, len(self), DECODE_CHUNK):
                chunk = self._index.reconstruct_n(start, min(DECODE_CHUNK, len(self) - start))
                positions = inverse[start : start + len(chunk)]
                order = np.argsort(positions, kind="stable")
                present, bounds = np.unique(positions[order], return_index=True)
                sums[present] += np.add.reduceat(chunk[order], bounds, axis=0, dtype=np.float64)
            at = np.full(int(keys[-1]) + 1 if len(keys) else 0, -1, dtype=np.int64)
            at[keys] = np.arange(len(keys))
            means = (sums / counts[:, None]).astype(np.float16).astype(np.float32)
            self._means = (at, means)
        return self._means

    def mean_similarities(self, query: np.ndarray, capabilities: list[int]) -> dict[int, float]:
        """The query's mean similarity over all text rows of each given capability (those the
        index holds)."""
        wanted = np.asarray(capabilities, dtype=np.int64)
        means = self.mean_similarity_array(query, wanted)
        known = ~np.isnan(means)
        return dict(zip(wanted[known].tolist(), means[known].tolist(), strict=True))

    def mean_similarity_array(self, query: np.ndarray, capabilities: np.ndarray) -> np.ndarray:
        """mean_similarities as float64 in the order given, NaN for a capability the index
        does not hold."""
        wanted = np.asarray(capabilities, dtype=np.int64)
        result = np.full(len(wanted), np.nan)
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        if self.approximate:
            at, means = self._capability_means()
            inside = (wanted >= 0) & (wanted < len(at))
            positions = np.full(len(wanted), -1, dtype=np.int64)
            positions[inside] = at[wanted[inside]]
            known = positions >= 0
            result[known] = np.take(means, positions[known], axis=0) @ vector
            return result
        rows_of = self._rows_of()
        groups = [rows_of.get(c) for c in wanted.tolist()]
        present = np.array([g is not None for g in groups], dtype=bool)
        if not present.any():
            return result
        chosen = [g for g in groups if g is not None]
        rows = np.concatenate(chosen)
        sizes = np.array([len(g) for g in chosen])
        similarities = self._row_vectors(rows) @ vector
        sums = np.add.reduceat(similarities, np.concatenate(([0], np.cumsum(sizes)[:-1])))
        # float32 sums over int64 counts: float64 quotients, as each one's float(total / size).
        result[present] = sums / sizes
        return result

    def _row_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The given rows' vectors (decoded from float16 by an approximate index)."""
        if not self.approximate:
            return self.vectors()[rows]
        if len(rows) == 0:
            return np.zeros((0, self._index.d), dtype=np.float32)
        return self._index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))

    def _probes(self, *, k: int, selected: int) -> int:
        """Lists an approximate search scans: NPROBE for the k nearest of every row; more
        when only `selected` rows may be returned (the nearest of a tenth of the rows lie
        about ten times deeper), and enough for the lists to hold about 2k selected rows."""
        lists, total = self.lists, len(self)
        share = total / max(selected, 1)
        deep = math.ceil(2 * k * share * lists / total)
        return min(lists, max(math.ceil(NPROBE * share), deep))

    def nearest(self, query: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest rows' ids and similarities, best first (the bench compares an
        approximate index with the flat one by these)."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self._fetcher(vector, None, len(self))(min(k, len(self)))
        valid = ids >= 0
        return ids[valid].astype(np.int64), scores[valid]

    def search(self, query: np.ndarray, *, k: int, rows: np.ndarray | None = None) -> list[Hit]:
        """The best of the k nearest rows per capability, optionally among `rows` only."""
        return self.search_above(query, k=k, rows=rows)[0]

    def search_above(
        self,
        query: np.ndarray,
        *,
        k: int,
        rows: np.ndarray | None = None,
        at_least: float | None = None,
    ) -> tuple[list[Hit], float | None]:
        """search's hits whose similarity is `at_least` (all: None), and the similarity of the
        last of all its hits (None: no hit): search_rows' hits as objects."""
        found, weakest = self.search_rows(query, k=k, rows=rows, at_least=at_least)
        return found.hits(), weakest

    def search_rows(
        self,
        query: np.ndarray,
        *,
        k: int,
        rows: np.ndarray | None = None,
        at_least: float | None = None,
    ) -> tuple[HitRows, float | None]:
        """search_above's hits as columns. Hits under the bar are never kept: a deep search
        returns thousands of rows of which a resolve keeps the few over its threshold."""
        return self.deepening(query, rows=rows, at_least=at_least).first(k)

    def deepening(
        self,
        query: np.ndarray,
        *,
        rows: np.ndarray | None = None,
        at_least: float | None = None,
        fetch_ahead: int = 0,
    ) -> Deepening:
        """search_rows in steps of depth, each search fetching `fetch_ahead` rows at least
        (matching.index.deepening)."""
        selected = len(self) if rows is None else len(rows)
        if len(self) == 0:
            selected = 0
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        fetch = self._fetcher(vector, rows, selected) if selected else _nothing
        return Deepening(
            fetch, self._hits, available=selected, at_least=at_least, ahead=fetch_ahead
        )

    def _fetcher(self, query: np.ndarray, rows: np.ndarray | None, selected: int) -> Fetch:
        """A search for the k nearest of `rows` (all: None), as faiss gives them."""
        # faiss keeps what a selector reads (the bitmap, the rows) with it, and the selector
        # with the parameters: they live as long as this search does.
        params: Any = faiss.SearchParametersIVF() if self.approximate else faiss.SearchParameters()
        if rows is not None:
            if self.approximate:
                # A bitmap: one bit test per scanned vector, built in one pass over `rows`.
                chosen = np.zeros(len(self), dtype=bool)
                chosen[rows] = True
                bitmap = np.packbits(chosen, bitorder="little")
                # The Python form, given the array: the selector holds it.
                params.sel = faiss.IDSelectorBitmap(bitmap)  # type: ignore[call-arg, arg-type]
            else:
                params.sel = faiss.IDSelectorBatch(rows)

        def fetch(k: int) -> tuple[np.ndarray, np.ndarray]:
            if self.approximate:
                params.nprobe = self._probes(k=k, selected=selected)
            scores, ids = self._index.search(query, k, params=params)
            return scores[0], ids[0]

        return fetch

    def _hits(
        self, scores: np.ndarray, ids: np.ndarray, at_least: float | None
    ) -> tuple[HitRows, float | None]:
        """Hits in order, keeping each capability's best row only (the rest add nothing), those
        under `at_least` left out; and the similarity of the last before that cut."""
        valid = ids >= 0
        scores, ids = scores[valid], ids[valid]
        capabilities = self.capabilities[ids]
        _, first = np.unique(capabilities, return_index=True)
        first.sort()
        if not len(first):
            return HitRows.empty(), None
        weakest = float(scores[first[-1]])
        if at_least is not None:
            # In float64, as the Python floats of the hits compare (not the bar cast to float32).
            first = first[scores[first].astype(np.float64) >= at_least]
        rows = ids[first].astype(np.int64)
        return HitRows(
            rows=rows,
            capabilities=capabilities[first],
            artifacts=self.artifacts[rows],
            kinds=self.kinds[rows],
            text_indexes=self.text_indexes[rows],
            similarities=scores[first],
        ), weakest

    def save(self, folder: Path) -> Path:
        """Write to folder/<state>/ atomically; returns that path."""
        return storage.save(self, folder)

    @staticmethod
    def loadable(path: Path) -> bool:
        """A complete index saved in this code's format."""
        return storage.loadable(path)

    @classmethod
    def load(cls, path: Path) -> CapabilityIndex:
        return storage.load(cls, path)
