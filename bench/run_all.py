"""`make bench`: every benchmark, figures printed (nothing asserted)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_catalogs  # noqa: E402
import log  # noqa: E402
import match_catalog  # noqa: E402
import match_quality  # noqa: E402
import pages  # noqa: E402
import passport_requests  # noqa: E402
import probe_throughput  # noqa: E402
import resolve_latency  # noqa: E402
import verify  # noqa: E402

if __name__ == "__main__":
    var_dir = import_catalogs.main()
    try:
        passport_requests.main(var_dir)
        pages.main(var_dir)
        verify.main(var_dir)
        log.main([])
        match_quality.main(var_dir)
        match_catalog.main(var_dir)
        resolve_latency.main([])
        probe_throughput.main()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
