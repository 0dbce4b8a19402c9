"""The closing summary every importer reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportSummary:
    source: str
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, str]] = field(default_factory=list)
    ambiguous: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Listings no catalog fact names `Maker: Model` (no maker, or one generic word):
    # for a person to rename or merge (admin actions).
    unnamed: list[dict[str, str]] = field(default_factory=list)
    warnings: int = 0
    records: int = 0  # records read from the input

    def count(self, status: str) -> None:
        self.counts[status] += 1

    def reject(self, where: str, reason: str, field_name: str | None = None) -> None:
        self.counts["rejected"] += 1
        entry = {"where": where, "reason": reason}
        if field_name:
            entry["field"] = field_name
        self.rejected.append(entry)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "records": self.records,
            "counts": dict(sorted(self.counts.items())),
            "rejected": self.rejected,
            "ambiguous": self.ambiguous,
            "unnamed": self.unnamed,
            "warnings": self.warnings,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        lines = [f"{self.source}: {self.records} records read"]
        for status in ("created", "updated", "unchanged", "endpoint", "rejected", "skipped"):
            if self.counts.get(status):
                lines.append(f"  {status:<10} {self.counts[status]}")
        for status, number in sorted(self.counts.items()):
            if status not in ("created", "updated", "unchanged", "endpoint", "rejected", "skipped"):
                lines.append(f"  {status:<10} {number}")
        if self.warnings:
            lines.append(
                f"  warnings   {self.warnings} (stated values that disagree with derivation)"
            )
        for entry in self.rejected[:50]:
            where = entry["where"]
            lines.append(f"  rejected: {where}: {entry['reason']}")
        if len(self.rejected) > 50:
            lines.append(f"  ... and {len(self.rejected) - 50} more rejected")
        if self.ambiguous:
            lines.append(f"  ambiguous matches: {len(self.ambiguous)}")
            for entry in self.ambiguous:
                lines.append(f"    {entry['key']}: {entry['reason']}")
        if self.unnamed:
            lines.append(
                f"  could not name {len(self.unnamed)} listings (rename them in the admin):"
            )
            for entry in self.unnamed:
                lines.append(f"    {entry['name']}: {entry['keys']}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return lines
