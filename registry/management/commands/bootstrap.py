"""Bring a fresh or existing install up to date: migrate, seeds, catalogs.

Run by `make run` every time; a second run finds every input already
imported (by content hash) and changes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from core.progress import Progress
from passports.canonical import DocumentError, parse_json
from passports.log import log_repair
from registry.importers.derive import IMPORTER_VERSION
from registry.importers.litellm import litellm_import
from registry.importers.openrouter import models_of, openrouter_import, snapshot_time
from registry.importers.passports import passports_import_paths
from registry.importers.summary import ImportSummary
from registry.models import CatalogSnapshot, Source
from registry.refresh import signing_deferred, versions_sign_pending

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seeds"


def fetch_openrouter_live(url: str, timeout: float) -> bytes | None:
    """OpenRouter's live catalog, or None when it does not answer well within `timeout`."""
    if not url:
        return None
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError:
        return None
    if response.status_code != 200 or len(response.content) > settings.CATALOG_MAX_BYTES:
        return None
    try:
        models_of(parse_json(response.content, max_bytes=settings.CATALOG_MAX_BYTES))
    except (DocumentError, ValueError):
        return None
    return response.content


class Command(BaseCommand):
    help = "Migrate, import the seed passports, then the catalogs (live OpenRouter or CATALOG_DIR)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--skip-catalogs", action="store_true")
        parser.add_argument(
            "--skip-index",
            action="store_true",
            help="leave the matching index to `build_index` (or the first resolve)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.bootstrap(options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def bootstrap(self, options: dict[str, Any]) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # Versions and key events the log does not hold yet (signed before the log
        # existed, or cut off by a crash) are appended first, in the order they happened.
        logged = log_repair()
        if logged:
            self.stdout.write(f"transparency log: {logged} missing entries appended")
        # Everything is imported first and signed once at the end: a fresh
        # install serves every passport at version 1, not at the version its
        # seed and catalog rows happened to pass through.
        with signing_deferred():
            self.import_all(options)
        with self.progress("signing", unit="versions") as step:
            signed = versions_sign_pending(on_total=step.total, progress=step.advance)
            step.done(signed)
        if signed:
            self.stdout.write(f"signed {signed} passport versions")
        if not options["skip_index"]:
            self.build_index()

    def progress(self, label: str, *, unit: str) -> Progress:
        """A bar on stderr when it is a terminal, else one summary line there when done:
        stdout keeps the report (the summaries) alone."""
        return Progress(getattr(self.stderr, "_out", self.stderr), label=label, unit=unit)

    def import_all(self, options: dict[str, Any]) -> None:
        with self.progress("passports", unit="records") as step:
            summary = passports_import_paths(paths=[str(SEED_DIR)], progress=step.advance)
            step.done(summary.records)
        self.say(summary)
        if options["skip_catalogs"]:
            return
        live = fetch_openrouter_live(
            settings.OPENROUTER_MODELS_URL, settings.OPENROUTER_FETCH_TIMEOUT
        )
        catalog_dir = Path(settings.CATALOG_DIR)
        openrouter_inputs: list[tuple[str, bytes]] = []
        litellm_inputs: list[tuple[str, bytes]] = []
        if catalog_dir.is_dir():
            openrouter_inputs = [
                (str(path), path.read_bytes())
                for path in sorted(catalog_dir.glob("openrouter_models_*.json"))
            ]
            litellm_inputs = [
                (str(path), path.read_bytes())
                for path in sorted(catalog_dir.glob("litellm_model_prices_*.json"))
            ]
        if live is not None:
            self.stdout.write(f"OpenRouter answered live ({len(live)} bytes)")
            openrouter_inputs.append((settings.OPENROUTER_MODELS_URL, live))
        else:
            self.stdout.write(
                "OpenRouter's live API did not answer; using catalog files in "
                f"{catalog_dir}" + ("" if catalog_dir.is_dir() else " (missing: no catalogs)")
            )
        for label, data in openrouter_inputs:
            self.import_once(Source.OPENROUTER, label, data)
        for label, data in litellm_inputs:
            self.import_once(Source.LITELLM, label, data)

    def build_index(self) -> None:
        # matching's own command: the registry layer never imports matching. It encodes
        # on every core: this process serves no requests beside it.
        call_command(
            "build_index", if_stale=True, all_cores=True, stdout=self.stdout, stderr=self.stderr
        )

    def import_once(self, source: str, label: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        if CatalogSnapshot.objects.filter(
            source=source, sha256=digest, importer_version=IMPORTER_VERSION
        ).exists():
            self.stdout.write(
                f"{source} {label}: already imported (sha256 {digest[:12]}), unchanged"
            )
            return
        name = Path(label).name if Path(label).is_file() else label
        with self.progress(f"{source} {name}", unit="records") as step:
            importer = openrouter_import if source == Source.OPENROUTER else litellm_import
            summary = importer(data=data, label=label, progress=step.advance, on_total=step.total)
            step.done(summary.records)
        self.say(summary)
        as_of = None
        if source == Source.OPENROUTER:
            try:
                as_of = snapshot_time(
                    models_of(parse_json(data, max_bytes=settings.CATALOG_MAX_BYTES))
                )
            except (DocumentError, ValueError):
                as_of = None
        CatalogSnapshot.objects.create(
            source=source,
            sha256=digest,
            importer_version=IMPORTER_VERSION,
            label=label[:500],
            as_of=as_of,
            summary={"counts": dict(summary.counts), "records": summary.records},
        )

    def say(self, summary: ImportSummary) -> None:
        lines = summary.lines()
        # The full ambiguous list belongs to the import command; here a count is enough.
        for line in lines:
            if line.startswith("    "):
                continue
            self.stdout.write(line)
