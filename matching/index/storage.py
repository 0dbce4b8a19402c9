"""Saving and loading a CapabilityIndex: a folder per registry state, written to a temporary
folder and renamed, so a reader never sees half an index. Part of matching.index, the only
package that imports faiss; CapabilityIndex.save/loadable/load call these."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

from .ann import NPROBE

if TYPE_CHECKING:
    from .capability import CapabilityIndex

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


def save(index: CapabilityIndex, folder: Path) -> Path:
    """Write to folder/<state>/ atomically; returns that path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / index.state
    if index.loadable(target):
        return target
    shutil.rmtree(target, ignore_errors=True)  # another format, or half written by hand
    scratch = Path(tempfile.mkdtemp(dir=folder, prefix=".building-"))
    try:
        faiss.write_index(index._index, str(scratch / "vectors.faiss"))
        np.save(scratch / "capabilities.npy", index.capabilities)
        np.save(scratch / "artifacts.npy", index.artifacts)
        np.save(scratch / "kinds.npy", index.kinds)
        np.save(scratch / "text_indexes.npy", index.text_indexes)
        np.save(scratch / "hashes.npy", index.hashes)
        (scratch / "categories.json").write_text(json.dumps(list(index.categories.items())))
        (scratch / "meta.json").write_text(
            json.dumps(
                {
                    "format": FORMAT,
                    "state": index.state,
                    "model": index.model,
                    "rows": len(index),
                    "approximate": index.approximate,
                }
            )
        )
        os.replace(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target


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


def load(cls: type[CapabilityIndex], path: Path) -> CapabilityIndex:
    """The index saved at `path` (a folder save wrote)."""
    meta = json.loads((path / "meta.json").read_text())
    index = cls.__new__(cls)
    index._index = faiss.read_index(str(path / "vectors.faiss"))
    if isinstance(index._index, faiss.IndexIVF):
        index._index.nprobe = NPROBE
    index.capabilities = np.load(path / "capabilities.npy")
    index.artifacts = np.load(path / "artifacts.npy")
    index.kinds = np.load(path / "kinds.npy")
    index.text_indexes = np.load(path / "text_indexes.npy")
    index.hashes = np.load(path / "hashes.npy")
    index.state = meta["state"]
    index.model = meta["model"]
    index._caches_clear()
    pairs = json.loads((path / "categories.json").read_text())
    index._set_categories({int(pk): names for pk, names in pairs})
    if index.approximate:
        index._capability_means()  # here, not on a request
    return index


def prune(folder: Path, keep: set[str]) -> None:
    """Remove saved indexes other than `keep` (older states)."""
    if not folder.exists():
        return
    for child in folder.iterdir():
        if child.is_dir() and child.name not in keep and not child.name.startswith(".building-"):
            shutil.rmtree(child, ignore_errors=True)
