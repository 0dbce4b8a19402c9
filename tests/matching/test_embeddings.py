"""torch's threads in a web process, started as gunicorn starts one (config.wsgi, warm)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

WEB_START = """
import config.wsgi  # settings, Django, then matching.warmup.warm(): the index and the model
import torch
print(torch.get_num_threads())
"""


def test_web_process_encodes_on_one_torch_thread(tmp_path: Path) -> None:
    """Web workers encode one query each, side by side. Importing torch after faiss (as
    warm() does) left torch a thread per core, and one query took 0.9 s instead of 42 ms
    under bench/load.py on 2 cores."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "MATCH_TORCH_THREADS"):
        env.pop(name, None)
    env.update(
        VAR_DIR=str(tmp_path),
        DEBUG="1",
        PASSPORT_AUTO_KEY="1",
        MATCH_WARM_ON_START="1",
        LOG_LEVEL="WARNING",
    )
    for command in (["migrate", "-v0"], ["import_passports", "fixtures/seeds"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    started = subprocess.run(
        [sys.executable, "-c", WEB_START],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert started.stdout.split() == ["1"]


def test_one_query_encodes_as_sentence_transformers_does() -> None:
    """A single text takes MiniLM's own path (no per-call eval() and device walk); its vector
    must be SentenceTransformer.encode's, bit for bit, or the index and the query would be
    compared in two different spaces."""
    import numpy as np

    from matching.embeddings import MAX_TEXT_CHARS, MiniLM, get_embedder

    embedder = get_embedder()
    assert isinstance(embedder, MiniLM)
    texts = [
        "read invoices from screenshots",
        "",
        "résumé de contrats juridiques, 日本語 🧾",
        "translate " * 400,  # past the model's 256 word pieces and MAX_TEXT_CHARS
    ]
    for text in texts:
        ours = embedder.encode([text])
        reference = embedder._model.encode(
            [text[:MAX_TEXT_CHARS]],
            batch_size=64,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        assert ours.dtype == np.float32
        assert ours.shape == (1, 384)
        assert ours.flags.c_contiguous
        assert ours.tobytes() == reference.tobytes(), text[:40]
    # A batch still goes through SentenceTransformer.encode, row for row the same vectors.
    batch = embedder.encode(texts)
    assert batch.shape == (4, 384)
    for row, text in zip(batch, texts, strict=True):
        assert np.allclose(row, embedder.encode([text])[0], atol=1e-6), text[:40]
