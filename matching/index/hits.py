"""A search's hits: each capability's best text row. As columns (HitRows) while a resolve
ranks thousands of them by arrays, as Hit objects for the few it shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("description", "intent", "best_for", "sentence")


@dataclass(frozen=True)
class Hit:
    row: int
    capability: int
    artifact: int
    kind: str
    text_index: int
    similarity: float


@dataclass(frozen=True)
class HitRows:
    """Hits as columns, best first, one per capability: at 100k capabilities a deep search
    keeps about 9,000 hits, and building an object for each took most of a resolve."""

    rows: np.ndarray  # int64 row ids
    capabilities: np.ndarray  # int64
    artifacts: np.ndarray  # int64
    kinds: np.ndarray  # int8, positions in KINDS
    text_indexes: np.ndarray  # int32
    similarities: np.ndarray  # float32, as the index scored them

    @classmethod
    def empty(cls) -> HitRows:
        return cls(
            rows=np.zeros(0, dtype=np.int64),
            capabilities=np.zeros(0, dtype=np.int64),
            artifacts=np.zeros(0, dtype=np.int64),
            kinds=np.zeros(0, dtype=np.int8),
            text_indexes=np.zeros(0, dtype=np.int32),
            similarities=np.zeros(0, dtype=np.float32),
        )

    def __len__(self) -> int:
        return len(self.rows)

    def hits(self, positions: np.ndarray | None = None) -> list[Hit]:
        """The hits at these positions (all: None) as objects, in that order; similarities as
        Python floats (float64) of the float32 scores."""
        chosen = slice(None) if positions is None else positions
        # Columns to Python values in one pass each.
        return [
            Hit(
                row=row,
                capability=capability,
                artifact=artifact,
                kind=KINDS[kind],
                text_index=text_index,
                similarity=similarity,
            )
            for row, capability, artifact, kind, text_index, similarity in zip(
                self.rows[chosen].tolist(),
                self.capabilities[chosen].tolist(),
                self.artifacts[chosen].tolist(),
                self.kinds[chosen].tolist(),
                self.text_indexes[chosen].tolist(),
                self.similarities[chosen].tolist(),
                strict=True,
            )
        ]
