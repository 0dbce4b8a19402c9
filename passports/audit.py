"""Auditing the transparency log from its entries alone: pure, usable without Django.

`audit_log` re-derives the tree from the entries and reports, one line per finding:
- a stored leaf hash that is not SHA-256(0x00 || entry);
- an entry that is not canonical JSON of a known type;
- a saved checkpoint whose tree is not a prefix of this one (its size is larger,
  or the root of the first `size` entries differs): the log was rewritten;
- a slug whose version numbers go backwards or repeat along the log;
- a passport whose latest served version (slug, version, digest) is not logged.
No finding means the log is consistent with everything it was given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .canonical import DocumentError, canonical_bytes
from .merkle import leaf_hash, root_hash
from .note import Checkpoint


@dataclass
class AuditReport:
    size: int
    root: bytes
    findings: list[str] = field(default_factory=list)


def audit_log(
    *,
    entries: Sequence[bytes],
    stored_leaf_hashes: Sequence[bytes] | None = None,
    saved: Checkpoint | None = None,
    latest: Mapping[str, tuple[int, str]] | None = None,
) -> AuditReport:
    """Audit the log of these entries (index order). `latest`: slug -> (version, "sha256:...")
    of each passport's latest served version."""
    leaves = [leaf_hash(entry) for entry in entries]
    report = AuditReport(size=len(leaves), root=root_hash(leaves))
    findings = report.findings
    if stored_leaf_hashes is not None:
        if len(stored_leaf_hashes) != len(leaves):
            findings.append(
                f"the log stores {len(stored_leaf_hashes)} leaf hashes for {len(leaves)} entries"
            )
        for index, (stored, derived) in enumerate(zip(stored_leaf_hashes, leaves, strict=False)):
            if stored != derived:
                findings.append(f"entry {index}: stored leaf hash is not SHA-256(0x00 || entry)")

    versions: dict[str, int] = {}
    logged: dict[tuple[str, int], str] = {}
    for index, data in enumerate(entries):
        try:
            entry = json.loads(data)
            canonical = canonical_bytes(entry)
        except (ValueError, DocumentError):
            findings.append(f"entry {index}: not JSON")
            continue
        if canonical != data:
            findings.append(f"entry {index}: not RFC 8785 canonical JSON")
        kind = entry.get("type") if isinstance(entry, dict) else None
        if kind == "key":
            continue
        if kind != "passport":
            findings.append(f"entry {index}: unknown type {kind!r}")
            continue
        slug, number = entry.get("slug"), entry.get("version")
        if not isinstance(slug, str) or isinstance(number, bool) or not isinstance(number, int):
            findings.append(f"entry {index}: a passport entry needs a slug and a version number")
            continue
        previous = versions.get(slug)
        if (slug, number) in logged:
            findings.append(f"entry {index}: {slug} repeats version {number}")
        elif previous is not None and number < previous:
            findings.append(
                f"entry {index}: {slug} goes back to version {number} after version {previous}"
            )
        versions[slug] = max(number, previous or 0)
        logged.setdefault((slug, number), str(entry.get("digest")))

    if saved is not None:
        if saved.size > len(leaves):
            findings.append(
                f"saved checkpoint has {saved.size} entries; the log has only {len(leaves)}"
            )
        elif root_hash(leaves[: saved.size]) != saved.root_hash:
            findings.append(
                f"the first {saved.size} entries do not give the saved checkpoint's root: "
                "the log was rewritten"
            )

    for slug, (number, digest) in sorted((latest or {}).items()):
        if (slug, number) not in logged:
            findings.append(f"{slug} version {number} is served but not in the log")
        elif logged[slug, number] != digest:
            findings.append(f"{slug} version {number} is served with another digest than logged")
    return report
