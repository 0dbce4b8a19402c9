"""What the import commands share: a progress bar on stderr and the closing summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.importers.summary import ImportSummary


class ImportCommand(BaseCommand):
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def progress_bar(self, options: dict[str, Any], label: str) -> tqdm:
        return tqdm(
            desc=label,
            unit="rec",
            disable=options["no_progress"] or None,  # None: off when stderr is not a terminal
            file=self.stderr._out,
            leave=False,
        )

    def read_file(self, path: str, limit: int) -> bytes:
        try:
            with Path(path).open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return data

    def run_with_progress(
        self, options: dict[str, Any], label: str, work: Callable[..., ImportSummary]
    ) -> ImportSummary:
        bar = self.progress_bar(options, label)

        def on_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            return work(progress=bar.update, on_total=on_total)
        finally:
            bar.close()

    def report(self, summary: ImportSummary, options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
        else:
            for line in summary.lines():
                self.stdout.write(line)
        imported = sum(n for status, n in summary.counts.items() if status != "rejected")
        if summary.counts.get("rejected") and not imported:
            raise CommandError("nothing imported: every record was rejected")
