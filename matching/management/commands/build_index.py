from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from matching.indexing import current_index, index_refresh, registry_state


class Command(BaseCommand):
    help = "Rebuild the capability index now (only texts never seen before are encoded)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="load the saved index of the current registry state; build only when there is none",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_stale"]:
            state = registry_state()
            self.stdout.write(f"matching index for registry state {state}: loading or building")
            index = current_index()
            self.stdout.write(
                f"matching index {index.state}: {len(index)} texts of "
                f"{index.capability_count} capabilities"
            )
            return
        index, report = index_refresh()
        self.stdout.write(
            f"index {report.state}: {report.rows} texts of {report.capabilities} capabilities, "
            f"{report.encoded} newly encoded, {report.seconds:.1f} s"
        )
