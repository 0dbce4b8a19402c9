"""`make bench`: every benchmark, figures printed (nothing asserted).

`--load` adds bench/load.py (100 clients for 60 s against bin/serve.py on the same
registry); it is opt-in because it loads both cores for over a minute.
"""

from __future__ import annotations

import shutil
import subprocess
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
import resolve_stalls  # noqa: E402
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
        resolve_stalls.main(var_dir)
        probe_throughput.main()
        if "--load" in sys.argv[1:]:
            # Its own process: it reads the resolve log through Django, which an earlier
            # bench has set up here on another database.
            subprocess.run(
                [sys.executable, str(Path(__file__).parent / "load.py"), "--serve"]
                + ["--var-dir", str(var_dir)],
                check=True,
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
