"""Time to import the seeds and every catalog into a fresh registry (SQLite, one process)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import manage, scratch_env  # noqa: E402


def main() -> Path:
    var_dir = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    env = scratch_env(var_dir)
    start = time.perf_counter()
    manage(env, "migrate", "-v0")
    manage(env, "passport_keys", "generate")  # DEBUG=0: keys are made on purpose, as in production
    migrated = time.perf_counter()
    out = manage(env, "bootstrap")
    imported = time.perf_counter()
    manage(env, "bootstrap")
    again = time.perf_counter()
    records = sum(
        int(line.split(":")[1].split()[0]) for line in out.splitlines() if "records read" in line
    )
    print(f"import: migrate {migrated - start:.1f} s")
    print(
        f"import: seeds + all catalogs ({records} records) {imported - migrated:.1f} s "
        f"= {records / (imported - migrated):.0f} records/s"
    )
    print(f"import: second run (nothing to do) {again - imported:.1f} s")
    return var_dir


if __name__ == "__main__":
    print(f"registry left in {main()}")
