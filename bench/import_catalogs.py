"""Time to import the seeds and every catalog into a fresh registry (SQLite, one process),
split into the import proper (seeds, catalogs, the one signing pass) and the index build
(model load, encoding, saving); and the build's encode rate beside the raw model's on the
same texts, measured in the same run (its floor: `model.encode(texts)` and nothing else).

    python bench/import_catalogs.py
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, manage, scratch_env  # noqa: E402

# bootstrap's progress lines on stderr when it is not a terminal (core.progress).
STEP = re.compile(
    r"^(?P<label>.+): (?P<count>\d+) (?P<unit>\w+), (?P<seconds>\d+\.\d) s(?P<note>.*)$"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _bootstrap(env: dict[str, str], *args: str) -> tuple[float, float, str, list[str]]:
    """(wall seconds, CPU seconds, stdout, stderr lines) of one `manage.py <args>`."""
    cpu, started = _children_cpu(), time.perf_counter()
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return (
        time.perf_counter() - started,
        _children_cpu() - cpu,
        result.stdout,
        result.stderr.splitlines(),
    )


# matching.indexing's INFO line: the build's own figures, on code without progress lines too.
BUILT = re.compile(r"index t\d+: \d+ rows, \d+ capabilities, (\d+) texts encoded in (\d+\.\d) s")


def _steps(lines: list[str]) -> dict[str, tuple[int, float, str]]:
    found = {}
    for line in lines:
        match = STEP.match(line)
        if match:
            found[match["label"]] = (int(match["count"]), float(match["seconds"]), match["note"])
        built = BUILT.search(line)
        if built and "encoding" not in found:
            texts, seconds = int(built[1]), float(built[2])
            note = f" (index build {seconds:.1f} s: {texts / max(seconds, 1e-9):.0f} texts/s)"
            found["index build (log)"] = (texts, seconds, note)
    if "encoding" not in found and "index build (log)" in found:
        found["encoding"] = found.pop("index build (log)")
    else:
        found.pop("index build (log)", None)
    return found


# Run in a child process on the bench's registry: the raw model on the texts the index
# build encoded (every distinct capability text), on as many threads as the build.
_FLOOR = """
import json, os, sys, time
import django
django.setup()
import torch
from matching.embeddings import MAX_TEXT_CHARS, get_embedder
from matching.indexing import capability_texts
from registry.models import Capability

texts = list(dict.fromkeys(
    text[:MAX_TEXT_CHARS]
    for name, description, intents, best_for in Capability.objects.values_list(
        "name", "description", "intents", "best_for")
    for _kind, _position, text in capability_texts(name, description, intents, best_for)
))
model = get_embedder()._model
torch.set_num_threads(len(os.sched_getaffinity(0)))
model.encode(texts[:64])  # warm: the first call pays torch's one-off setup
started = time.perf_counter()
model.encode(texts)
seconds = time.perf_counter() - started
print(json.dumps({"texts": len(texts), "seconds": seconds}))
"""


def _raw_encode(env: dict[str, str]) -> tuple[int, float]:
    result = subprocess.run(
        [PYTHON, "-c", _FLOOR],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return int(figures["texts"]), float(figures["seconds"])


def main() -> Path:
    var_dir = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    # INFO: the index build logs its figures (read when bootstrap prints no progress lines).
    env = scratch_env(var_dir, LOG_LEVEL="INFO")
    start = time.perf_counter()
    manage(env, "migrate", "-v0")
    manage(env, "passport_keys", "generate")  # DEBUG=0: keys are made on purpose, as in production
    migrated = time.perf_counter()
    # `make run`'s first bootstrap, in its two processes' worth of work: the import
    # (seeds, catalogs, the one signing pass), then the index build bootstrap ends with.
    import_seconds, import_cpu, out, err = _bootstrap(env, "bootstrap", "--skip-index")
    # The floor runs right before and right after the build, on the same texts: the
    # machine's load moves over minutes, and the two bracket what the build met.
    floors = [_raw_encode(env)]
    index_seconds, index_cpu, _out, index_err = _bootstrap(
        env, "build_index", "--if-stale", "--all-cores"
    )
    floors.append(_raw_encode(env))
    again_wall, _again_cpu, _out, _err = _bootstrap(env, "bootstrap")
    records = sum(
        int(line.split(":")[1].split()[0]) for line in out.splitlines() if "records read" in line
    )
    steps = _steps(err + index_err)
    encoded, _encoding_seconds, note = steps.get("encoding", (0, 0.0, ""))
    build = re.search(r"index build (\d+\.\d) s: (\d+) texts/s", note)
    alone = re.search(r"encoding (\d+\.\d) s: (\d+) texts/s", note)
    print(f"import: migrate {migrated - start:.1f} s")
    for label, (count, seconds, _note) in steps.items():
        if label != "encoding":
            print(f"import:   {label}: {count}, {seconds:.1f} s")
    print(
        f"import: seeds + all catalogs + signing ({records} records) {import_seconds:.1f} s "
        f"wall, {import_cpu:.1f} s CPU = {records / import_seconds:.0f} records/s "
        "(goal <= 60 s; embedding excluded)"
    )
    print(
        f"import: index (model load, encoding, save) {index_seconds:.1f} s wall, "
        f"{index_cpu:.1f} s CPU on {os.cpu_count()} cores"
    )
    if build and encoded:
        rate = int(build[2])
        texts = floors[0][0]
        before, after = (texts / seconds for _texts, seconds in floors)
        raw_rate = (before + after) / 2
        print(
            f"import: encode {encoded} texts: index build {rate} texts/s, raw model.encode "
            f"{raw_rate:.0f} texts/s ({texts} texts; {before:.0f} before the build, "
            f"{after:.0f} after) = {rate / raw_rate:.2f} x"
        )
        if alone:
            # The build's rate counts the model's load, the reads and the save; the floor
            # is model.encode alone, warmed first. The build's encoding alone, beside it:
            encoding_rate = int(alone[2])
            print(
                f"import: encode {encoded} texts: the build's encoding alone {encoding_rate} "
                f"texts/s ({alone[1]} s) = {encoding_rate / raw_rate:.2f} x raw model.encode"
            )
    print(f"import: second run (nothing to do) {again_wall:.1f} s")
    return var_dir


if __name__ == "__main__":
    print(f"registry left in {main()}")
