from __future__ import annotations

from typing import Any

from django.conf import settings

from registry.importers.openrouter import openrouter_import

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import OpenRouter's /api/v1/models JSON: one passport per model."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="a saved response of GET /api/v1/models")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        data = self.read_file(options["path"], settings.CATALOG_MAX_BYTES)
        summary = self.run_with_progress(
            options,
            "openrouter",
            lambda **kw: openrouter_import(data=data, label=options["path"], **kw),
        )
        self.report(summary, options)
