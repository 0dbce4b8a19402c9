"""Load the model and the index once, when a web process starts (gunicorn --preload)."""

from __future__ import annotations

import gc
import logging
import time

from django.db import connections

logger = logging.getLogger(__name__)


def warm() -> None:
    from .embeddings import get_embedder
    from .indexing import current_index
    from .listings import prefill

    started = time.perf_counter()
    # Load only: a forward pass here would start torch's thread pool in the
    # gunicorn master, and workers forked after that hang on their first encode.
    embedder = get_embedder()
    index = current_index(embedder=embedder)
    kept = prefill()
    # Workers forked from here open their own: an SQLite connection must not cross a fork.
    connections.close_all()
    # What is loaded now lives as long as the process: out of the collector's sight, a full
    # collection no longer walks the model's and Django's objects (about 0.2 s, once in
    # every hundred or so resolves, at 10k capabilities).
    gc.collect()
    gc.freeze()
    logger.info(
        "matching ready: %d texts of %d capabilities (state %s); kept: %s; in %.1f s",
        len(index),
        index.capability_count,
        index.state,
        ", ".join(f"{count} {kind}" for kind, count in kept.items()) or "nothing",
        time.perf_counter() - started,
    )
