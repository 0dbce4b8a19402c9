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
