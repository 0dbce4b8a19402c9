from __future__ import annotations

import sys
from typing import Any

from registry.importers.passports import passports_import_paths

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import passport documents (files, folders of *.json, or - for stdin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", help="files, folders, or - for standard input")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        bar = self.progress_bar(options, "passports")
        try:
            summary = passports_import_paths(
                paths=options["paths"], stdin=sys.stdin.buffer, progress=bar.update
            )
        finally:
            bar.close()
        self.report(summary, options)
