from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.core.management.base import BaseCommand

from core.progress import Progress
from matching.embeddings import all_cores
from matching.indexing import BuildReport, current_index, index_refresh, registry_state
from matching.indexing import Progress as Hooks


class Command(BaseCommand):
    help = "Rebuild the capability index now (only texts never seen before are encoded)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="load the saved index of the current registry state; build only when there is none",
        )
        parser.add_argument(
            "--all-cores",
            action="store_true",
            help="encode on every core (a process that serves nothing beside the build)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_stale"]:
            self.stdout.write(
                f"matching index for registry state {registry_state()}: loading or building"
            )
        # Encoding's progress on stderr (a bar on a terminal, else one line when done),
        # timed from the model's load to the saved index.
        step = Progress(getattr(self.stderr, "_out", self.stderr), label="encoding", unit="texts")

        def built(report: BuildReport) -> None:
            step.done(report.encoded)
            if report.encoded:
                # The whole build (model load, reads, encoding, save), then its encoding alone.
                step.note = (
                    f"(index build {report.seconds:.1f} s: "
                    f"{report.encoded / report.seconds:.0f} texts/s; encoding "
                    f"{report.encode_seconds:.1f} s: "
                    f"{report.encoded / max(report.encode_seconds, 1e-9):.0f} texts/s)"
                )

        hooks = Hooks(total=step.total, advance=step.advance, built=built)
        with step, ExitStack() as stack:
            if options["all_cores"]:
                stack.enter_context(all_cores())
            if options["if_stale"]:
                index = current_index(progress=hooks)
                self.stdout.write(
                    f"matching index {index.state}: {len(index)} texts of "
                    f"{index.capability_count} capabilities"
                )
                return
            index, report = index_refresh(progress=hooks)
        self.stdout.write(
            f"index {report.state}: {report.rows} texts of {report.capabilities} capabilities, "
            f"{report.encoded} newly encoded, {report.seconds:.1f} s"
        )
