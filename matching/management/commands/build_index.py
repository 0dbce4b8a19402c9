from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from matching.services import index_refresh


class Command(BaseCommand):
    help = "Rebuild the capability index now (only texts never seen before are encoded)."

    def handle(self, *args: Any, **options: Any) -> None:
        index, report = index_refresh()
        self.stdout.write(
            f"index {report.state}: {report.rows} texts of {report.capabilities} capabilities, "
            f"{report.encoded} newly encoded, {report.seconds:.1f} s"
        )
