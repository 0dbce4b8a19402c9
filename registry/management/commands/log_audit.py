"""log_audit [--from-checkpoint FILE]: re-derive the transparency log and report what is wrong.

The checks are passports.audit.audit_log (pure, usable without Django); this command
feeds it the log's entries, each passport's latest served version, and a checkpoint
saved earlier (verified with the log's key first). One line per finding; exit
status 1 when there is any.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from passports.audit import audit_log
from passports.log import log_verifier_key
from passports.models import LogEntry
from passports.note import NoteError, open_checkpoint
from passports.selectors import latest_versions


class Command(BaseCommand):
    help = "Audit the transparency log: tree, version order, served versions, a saved checkpoint."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--from-checkpoint", help="a checkpoint saved from /log/checkpoint earlier"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        saved = None
        if options["from_checkpoint"]:
            try:
                note = Path(options["from_checkpoint"]).read_text(encoding="utf-8")
                saved = open_checkpoint(
                    note, verifier_keys=[log_verifier_key()], origin=settings.LOG_ORIGIN
                )
            except (OSError, UnicodeDecodeError, NoteError) as exc:
                raise CommandError(f"--from-checkpoint: {exc}") from exc
        rows = list(LogEntry.objects.order_by("index").values_list("entry", "leaf_hash"))
        latest = {
            slug: (number, f"sha256:{digest}")
            for slug, number, digest in latest_versions().values_list(
                "artifact__slug", "number", "digest"
            )
        }
        report = audit_log(
            entries=[entry.encode("utf-8") for entry, _hash in rows],
            stored_leaf_hashes=[bytes.fromhex(value) for _entry, value in rows],
            saved=saved,
            latest=latest,
        )
        for finding in report.findings:
            self.stdout.write(finding)
        root = base64.b64encode(report.root).decode("ascii")
        summary = (
            f"{report.size} entries, root {root}, {len(latest)} passports; "
            f"{len(report.findings)} findings"
        )
        if saved is not None:
            summary += f"; consistent with the saved checkpoint of {saved.size}" * (
                not report.findings
            )
        self.stdout.write(summary)
        if report.findings:
            sys.exit(1)
