from __future__ import annotations

from typing import Any

from django.conf import settings

from registry.importers.litellm import litellm_import

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import LiteLLM's model price map: each key becomes a provider endpoint."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="model_prices_and_context_window.json")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        data = self.read_file(options["path"], settings.CATALOG_MAX_BYTES)
        summary = self.run_with_progress(
            options,
            "litellm",
            lambda **kw: litellm_import(data=data, label=options["path"], **kw),
        )
        self.report(summary, options)
