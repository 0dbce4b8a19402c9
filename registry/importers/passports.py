"""Import passport documents (the seed shape) from files, folders or a stream."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from passports.canonical import DocumentError, parse_json

from ..models import Source
from ..services import DocumentRejected, passport_import
from .summary import ImportSummary


def passport_files(paths: Iterable[str]) -> Iterator[str | Path]:
    """Each path as given; folders expand to the *.json files under them, sorted."""
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def _read(item: str | Path, stdin: BinaryIO | None) -> bytes:
    limit = settings.PASSPORT_MAX_BYTES
    if item == "-":
        if stdin is None:
            raise OSError("no standard input")
        data = stdin.read(limit + 1)
    else:
        with open(item, "rb") as handle:
            data = handle.read(limit + 1)
    return data


def _documents(parsed: Any) -> list[Any]:
    # A file holds one document, or a JSON array of them.
    return parsed if isinstance(parsed, list) else [parsed]


def passports_import_paths(
    *,
    paths: Iterable[str],
    stdin: BinaryIO | None = None,
    source: str = Source.PASSPORT,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every document found; one transaction per document, the rest go on after a bad one."""
    summary = ImportSummary(source="passports")
    for item in passport_files(paths):
        label = "<stdin>" if item == "-" else str(item)
        try:
            data = _read(item, stdin)
            parsed = parse_json(data, max_bytes=settings.PASSPORT_MAX_BYTES)
        except OSError as exc:
            summary.records += 1
            summary.reject(label, f"cannot read: {exc.strerror or exc}")
            continue
        except DocumentError as exc:
            summary.records += 1
            summary.reject(label, exc.message, exc.field)
            continue
        documents = _documents(parsed)
        for index, document in enumerate(documents):
            summary.records += 1
            where = (
                label
                if len(documents) == 1 and not isinstance(parsed, list)
                else f"{label}[{index}]"
            )
            try:
                outcome = passport_import(document=document, source=source)
            except DocumentRejected as exc:
                summary.reject(where, exc.message, exc.field)
                continue
            summary.count(outcome.status)
            summary.warnings += len(outcome.warnings)
            if progress:
                progress(1)
    return summary
