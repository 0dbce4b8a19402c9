"""The vector index of capability texts: the ONLY package that imports faiss.

One row per text (a capability's name with description, each intent, each
best_for line); rows carry the capability's primary key. Inner product over
unit vectors is cosine similarity. Each category with at least
CATEGORY_MIN_MEMBERS capabilities and at most CATEGORY_MAX_SHARE of them also
gets one vector (matching.categories): the normalised mean of its capabilities' texts, what the
category as a whole is about; the registry as a whole gets one too. An index is saved under a folder named by
the registry state it reflects, written to a temporary folder and renamed, so
a reader never sees half an index.

Up to MATCH_ANN_THRESHOLD rows the index is exact (a flat scan of float32 vectors). Above
it the index is approximate: an inverted file (IVF) of about sqrt(rows) lists whose
vectors are stored in float16, of which a search scans the NPROBE lists nearest the query
(more when the rows are filtered, see _probes). At 100k capabilities (400k rows) a flat
search reads 600 MB per query; this one reads about 2.5% of 300 MB, and bench/resolve_latency.py
prints its recall@10 against the flat index in the same run.

A package, for its size: capability.py holds CapabilityIndex and its searches, deepening.py a
search taken in steps of depth, hits.py their hits, ann.py the
approximate index's construction and constants, storage.py saving and loading; the names
below are what the rest of the project imports from matching.index.
"""

from __future__ import annotations

from ..categories import CATEGORY_MAX_SHARE as CATEGORY_MAX_SHARE
from ..categories import CATEGORY_MIN_MEMBERS as CATEGORY_MIN_MEMBERS
from .ann import DECODE_CHUNK as DECODE_CHUNK
from .ann import MAX_LISTS as MAX_LISTS
from .ann import MAX_TRAIN_PER_LIST as MAX_TRAIN_PER_LIST
from .ann import MIN_TRAIN_PER_LIST as MIN_TRAIN_PER_LIST
from .ann import NPROBE as NPROBE
from .ann import ann_threshold as ann_threshold
from .capability import CapabilityIndex as CapabilityIndex
from .hits import KINDS as KINDS
from .hits import Hit as Hit
from .hits import HitRows as HitRows
from .storage import FILES as FILES
from .storage import FORMAT as FORMAT
from .storage import prune as prune
