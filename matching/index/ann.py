"""The approximate index (above MATCH_ANN_THRESHOLD rows): an inverted file (IVF) of about
sqrt(rows) lists whose vectors are stored in float16; see the package's docstring. Part of
matching.index, the only package that imports faiss."""

from __future__ import annotations

import math

import faiss
import numpy as np

# The approximate index (above MATCH_ANN_THRESHOLD rows). Measured on 400k distinct
# vectors (the bench's texts with noise; 632 lists, float16): recall@10 against the flat
# index 0.994 with 8 lists scanned, 1.000 with 16. On the bench's registries, where each
# text repeats about ten times at 10k capabilities, 16 lists gave 0.975 (a list missed
# loses every copy of a text at once) and 32 gave 1.0 (0.995 at 100k).
NPROBE = 32
MAX_LISTS = 4096
# k-means wants 39 points per list at least (faiss warns below); 64 are enough to train on.
MIN_TRAIN_PER_LIST = 39
MAX_TRAIN_PER_LIST = 64
# Vectors decoded at a time from float16 (category centroids, the registry's mean).
DECODE_CHUNK = 32768


def ann_threshold() -> int:
    """Rows above which the index is approximate (settings.MATCH_ANN_THRESHOLD)."""
    from django.conf import settings

    return int(settings.MATCH_ANN_THRESHOLD)


def _approximate(vectors: np.ndarray) -> faiss.IndexIVF:
    """An inverted file of float16 vectors, inner product, reconstructible by row id."""
    rows, dimensions = vectors.shape
    lists = max(1, min(MAX_LISTS, math.isqrt(rows), rows // MIN_TRAIN_PER_LIST))
    quantizer = faiss.IndexFlatIP(dimensions)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dimensions, lists, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    # A fixed sample (and faiss's fixed k-means seed): the same rows give the same index.
    sample = min(rows, lists * MAX_TRAIN_PER_LIST)
    chosen = np.sort(np.random.default_rng(0).choice(rows, size=sample, replace=False))
    index.train(vectors[chosen])
    index.add(vectors)
    index.make_direct_map()  # rows are decoded by id: category centroids
    index.nprobe = NPROBE
    return index
