"""Keeping the capability index built and loaded: which texts a capability contributes, their
cached embeddings, and the one index each process holds for the current registry state."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from registry.clocks import clock_read
from registry.models import Capability

from .embeddings import MAX_TEXT_CHARS, Embedder, get_embedder
from .index import CapabilityIndex, prune
from .models import TextEmbedding

logger = logging.getLogger(__name__)

MAX_SENTENCES = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def registry_state() -> str:
    """What the index must reflect: the clock that every write of capability text moves.

    Outcomes (matches, success rates) do not move it: ranking reads those from
    the database on every resolve.
    """
    return f"t{clock_read('capability_texts')}"


def index_folder() -> Path:
    return Path(settings.MATCH_INDEX_DIR)


def description_sentences(description: str) -> list[str]:
    """The description's sentences, when it has more than one: each also matches on its own."""
    parts = [p.strip() for p in _SENTENCE_END.split(description) if len(p.strip()) >= 20]
    return parts[:MAX_SENTENCES] if len(parts) > 1 else []


def capability_texts(
    name: str, description: str, intents: list[str], best_for: list[str]
) -> list[tuple[int, int, str]]:
    """(kind, position, text) of one capability: name with description, each intent, each
    best_for line, and each sentence of a description of several sentences."""
    texts = [(0, 0, f"{name}. {description}".strip())]
    texts += [(1, i, text) for i, text in enumerate(intents) if text.strip()]
    texts += [(2, i, text) for i, text in enumerate(best_for) if text.strip()]
    texts += [(3, i, text) for i, text in enumerate(description_sentences(description))]
    return texts


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _cached_vectors(hashes: list[bytes], model: str) -> dict[bytes, np.ndarray]:
    found: dict[bytes, np.ndarray] = {}
    for start in range(0, len(hashes), 500):
        chunk = [h.hex() for h in hashes[start : start + 500]]
        for text_hash, vector in TextEmbedding.objects.filter(
            model=model, text_hash__in=chunk
        ).values_list("text_hash", "vector"):
            found[bytes.fromhex(text_hash)] = np.frombuffer(bytes(vector), dtype=np.float32)
    return found


@dataclass(frozen=True)
class BuildReport:
    state: str
    rows: int
    capabilities: int
    encoded: int
    seconds: float
    encode_seconds: float = 0.0  # of `seconds`, in the model


# Texts go to the model in chunks of this many, longest first: each chunk's batches
# hold texts of about one length (little padding), and a progress bar moves per chunk.
ENCODE_CHUNK = 1024


@dataclass(frozen=True)
class Progress:
    """Hooks a caller passes to follow a build: `total(n)` once encoding starts,
    `advance(k)` per chunk encoded, `built(report)` at the end."""

    total: Callable[[int], None]
    advance: Callable[[int], None]
    built: Callable[[BuildReport], None] | None = None


def _encode(embedder: Embedder, texts: list[str], progress: Progress | None) -> np.ndarray:
    """Vectors of `texts`, in their order; encoded longest first, a chunk at a time."""
    if progress is not None:
        progress.total(len(texts))
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i][:MAX_TEXT_CHARS]))
    vectors = np.zeros((len(texts), embedder.dimensions), dtype=np.float32)
    for start in range(0, len(order), ENCODE_CHUNK):
        chunk = order[start : start + ENCODE_CHUNK]
        vectors[chunk] = embedder.encode([texts[i] for i in chunk])
        if progress is not None:
            progress.advance(len(chunk))
    return vectors


def index_build(
    *,
    embedder: Embedder | None = None,
    previous: CapabilityIndex | None = None,
    progress: Progress | None = None,
) -> tuple[CapabilityIndex, BuildReport]:
    """Build the index of the registry as it is now, encoding only texts never seen before."""
    started = time.perf_counter()
    embedder = embedder or get_embedder()
    state = registry_state()
    rows = Capability.objects.order_by("pk").values_list(
        "pk", "artifact_id", "name", "description", "intents", "best_for", "categories"
    )
    categories: dict[int, list[str]] = {}
    capability_ids: list[int] = []
    artifact_ids: list[int] = []
    kinds: list[int] = []
    positions: list[int] = []
    texts: list[str] = []
    for pk, artifact_id, name, description, intents, best_for, cats in rows.iterator(
        chunk_size=2000
    ):
        if isinstance(cats, list):
            categories[pk] = [c for c in cats if isinstance(c, str) and c]
        for kind, position, text in capability_texts(name, description, intents, best_for):
            capability_ids.append(pk)
            artifact_ids.append(artifact_id)
            kinds.append(kind)
            positions.append(position)
            texts.append(text)
    hashes = [_digest(text) for text in texts]
    vectors: dict[bytes, np.ndarray] = {}
    if previous is not None and previous.model == embedder.name:
        vectors.update(previous.vectors_by_hash())
    missing = list(dict.fromkeys(h for h in hashes if h not in vectors))
    vectors.update(_cached_vectors(missing, embedder.name))
    to_encode = list(dict.fromkeys(h for h in hashes if h not in vectors))
    encode_seconds = 0.0
    if to_encode:
        text_of = dict(zip(hashes, texts, strict=True))
        encode_started = time.perf_counter()
        encoded = _encode(embedder, [text_of[h] for h in to_encode], progress)
        encode_seconds = time.perf_counter() - encode_started
        for text_hash, vector in zip(to_encode, encoded, strict=True):
            vectors[text_hash] = vector
        TextEmbedding.objects.bulk_create(
            [
                TextEmbedding(
                    text_hash=h.hex(),
                    model=embedder.name,
                    vector=vectors[h].astype(np.float32).tobytes(),
                )
                for h in to_encode
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
    matrix = (
        np.stack([vectors[h] for h in hashes])
        if hashes
        else np.zeros((0, embedder.dimensions), dtype=np.float32)
    )
    index = CapabilityIndex(
        vectors=matrix,
        capabilities=np.array(capability_ids, dtype=np.int64),
        artifacts=np.array(artifact_ids, dtype=np.int64),
        kinds=np.array(kinds, dtype=np.int8),
        text_indexes=np.array(positions, dtype=np.int32),
        hashes=np.array(hashes, dtype="S32") if hashes else np.zeros(0, dtype="S32"),
        state=state,
        model=embedder.name,
        categories=categories,
    )
    report = BuildReport(
        state=state,
        rows=len(index),
        capabilities=len(set(capability_ids)),
        encoded=len(to_encode),
        seconds=time.perf_counter() - started,
        encode_seconds=encode_seconds,
    )
    return index, report


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: CapabilityIndex | None = None


_holder = _Holder()


def index_refresh(
    *, embedder: Embedder | None = None, progress: Progress | None = None
) -> tuple[CapabilityIndex, BuildReport]:
    """Build, save and keep the index of the current registry state (a worker's and `build_index`'s job)."""
    with _holder.lock:
        index, report = index_build(embedder=embedder, previous=_holder.index, progress=progress)
        index.save(index_folder())
        prune(index_folder(), keep={index.state})
        _holder.index = index
    if progress is not None and progress.built is not None:
        progress.built(report)
    logger.info(
        "index %s: %d rows, %d capabilities, %d texts encoded in %.1f s",
        report.state,
        report.rows,
        report.capabilities,
        report.encoded,
        report.seconds,
    )
    return index, report


def current_index(
    *, embedder: Embedder | None = None, progress: Progress | None = None
) -> CapabilityIndex:
    """The index of the registry as it is now: held in memory, else saved by a worker, else built here."""
    state = registry_state()
    held = _holder.index
    if held is not None and held.state == state:
        return held
    with _holder.lock:
        held = _holder.index
        if held is not None and held.state == state:
            return held
        saved = index_folder() / state
        if CapabilityIndex.loadable(saved):
            _holder.index = CapabilityIndex.load(saved)
            return _holder.index
    return index_refresh(embedder=embedder, progress=progress)[0]


def index_forget() -> None:
    """Drop the in-memory index (tests that swap registries)."""
    with _holder.lock:
        _holder.index = None
