"""python manage.py probe [--slug S] [--kind K ...]: run this slot's probes now and print a table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from probes.models import Kind


class Command(BaseCommand):
    help = "Run live probes synchronously (this slot; a slot already probed is not probed again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default=None)
        parser.add_argument("--kind", action="append", choices=[k.value for k in Kind])
        parser.add_argument("--budget", type=int, default=None, help="at most this many new runs")

    def handle(self, *args: Any, **options: Any) -> None:
        from probes.outcomes import probe_outcomes_apply
        from probes.services import probe_execute, probe_schedule
        from registry.models import Artifact

        slug = options["slug"]
        if slug and not Artifact.objects.filter(slug=slug).exists():
            raise CommandError(f"no passport with slug {slug!r}")
        report = probe_schedule(slug=slug, kinds=options["kind"], budget=options["budget"])
        rows = []
        for run_id in report.run_ids:
            run = probe_execute(run_id=run_id)
            if run is not None:
                rows.append(run)
        probe_outcomes_apply()
        header = f"{'passport':<32} {'provider':<16} {'kind':<13} {'result':<8} {'http':>4} {'ms':>8} {'ttft':>8}  error"
        self.stdout.write(header)
        for run in rows:
            self.stdout.write(
                f"{run.artifact.slug[:32]:<32} {run.endpoint.provider[:16]:<16} {run.kind:<13} "
                f"{run.status:<8} {run.http_status or '':>4} {_ms(run.latency_ms):>8} "
                f"{_ms(run.ttft_ms):>8}  {run.error_class}"
            )
        for label in report.skipped_no_key:
            self.stdout.write(
                f"{label[:49]:<49} {'*':<13} {'skipped':<8}  no API key in the environment"
            )
        for label, why in report.refused:
            self.stdout.write(f"{label[:49]:<49} {'*':<13} {'refused':<8}  {why}")
        for label in report.paused:
            self.stdout.write(
                f"{label[:49]:<49} {'*':<13} {'skipped':<8}  paused by circuit breaker"
            )
        self.stdout.write(
            f"slot {report.slot.isoformat()}: {len(rows)} run, {report.created} new, "
            f"{report.over_budget} over budget"
        )


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"
