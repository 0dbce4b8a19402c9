"""The transparency log's writer: one append-only sequence of signed versions and key events.

Every signed passport version and every key event (a key becomes active, retires,
is revoked) is appended in order, in the same transaction that signed the version
or changed the key, so the two commit together or not at all. One sequencer at a
time: an append locks the single LogHead row, takes its size as the new entry's
index and moves it on, so two workers never assign the same index (and `index` is
unique besides).

Entries written before the log existed, or by anything that ever skipped the log,
are appended by `log_repair()`: bootstrap runs it at start, and every append runs
it first when something is missing, in the order the versions and key events
happened.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from core.errors import ApplicationError
from core.time import timestamp

from . import merkle
from .bundle import passport_entry
from .canonical import canonical_bytes
from .keys import read_key_file, write_key_file
from .models import LogEntry, LogHead, PassportVersion, SigningKey
from .note import checkpoint_body, sign_note, verifier_key
from .signing import KeyPair


def version_entry(version: PassportVersion, *, slug: str) -> dict[str, Any]:
    """The log entry of a stored version: the same one bundle.passport_entry_bytes recomputes
    from the served passport, taken from the row's columns."""
    return passport_entry(
        slug=slug,
        version=version.number,
        digest_hex=version.digest,
        key_id=version.key.key_id,
        signed_at=version.signed_at,
    )


def key_entry(key: SigningKey, *, status: str, at: datetime) -> dict[str, Any]:
    return {"type": "key", "keyId": key.key_id, "status": status, "at": timestamp(at)}


def leaf_hash(entry_bytes: bytes) -> str:
    """RFC 9162 section 2.1.1: SHA-256(0x00 || entry), hex."""
    return merkle.leaf_hash(entry_bytes).hex()


def _head() -> LogHead:
    """The sequencer row, locked. Caller is inside a transaction."""
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                LogHead.objects.create(pk=1, size=LogEntry.objects.count())
        except IntegrityError:
            pass  # another appender made it first
        head = LogHead.objects.select_for_update().get(pk=1)
    return head


def _append(head: LogHead, *, entry: dict[str, Any], **fields: Any) -> LogEntry:
    data = canonical_bytes(entry)
    logged = LogEntry.objects.create(
        index=head.size,
        entry=data.decode("utf-8"),
        leaf_hash=leaf_hash(data),
        **fields,
    )
    head.size += 1
    head.save(update_fields=["size"])
    return logged


def _missing_versions() -> list[PassportVersion]:
    return list(
        PassportVersion.objects.filter(log_entry__isnull=True)
        .select_related("key", "artifact")
        .order_by("created_at", "pk")
    )


def _key_events(key: SigningKey) -> list[tuple[datetime, str]]:
    """(when, status) of each event a key went through, oldest first."""
    events = [(key.created_at, SigningKey.Status.ACTIVE.value)]
    if key.retired_at:
        events.append((key.retired_at, SigningKey.Status.RETIRED.value))
    if key.revoked_at:
        events.append((key.revoked_at, SigningKey.Status.REVOKED.value))
    return events


def _missing_key_events() -> list[tuple[datetime, SigningKey, str]]:
    logged = set(
        LogEntry.objects.filter(kind=LogEntry.Kind.KEY).values_list("key_id", "key_status")
    )
    return [
        (at, key, status)
        for key in SigningKey.objects.order_by("created_at", "pk")
        for at, status in _key_events(key)
        if (key.pk, status) not in logged
    ]


def _repair(
    head: LogHead,
    *,
    exclude_version: int | None = None,
    exclude_key: tuple[int, str] | None = None,
) -> int:
    """Append what is missing, in the order it happened (but the excluded one, which the
    caller appends next). Caller holds the head's lock. Returns how many were appended."""
    pending: list[tuple[datetime, int, Any]] = [
        (version.created_at, 1, version)
        for version in _missing_versions()
        if version.pk != exclude_version
    ]
    pending += [
        (at, 0, (key, status))
        for at, key, status in _missing_key_events()
        if (key.pk, status) != exclude_key
    ]
    # A key event and a version at the same moment: the key event first (a key is
    # active before it signs).
    pending.sort(key=lambda item: (item[0], item[1]))
    for at, _order, item in pending:
        if isinstance(item, PassportVersion):
            _append(
                head,
                entry=version_entry(item, slug=item.artifact.slug),
                kind=LogEntry.Kind.PASSPORT,
                version=item,
            )
        else:
            key, status = item
            _append(
                head,
                entry=key_entry(key, status=status, at=at),
                kind=LogEntry.Kind.KEY,
                key=key,
                key_status=status,
            )
    return len(pending)


def log_repair() -> int:
    """Append every signed version and key event the log does not hold yet. Returns how many."""
    with transaction.atomic():
        return _repair(_head())


def log_version(*, version: PassportVersion, slug: str) -> LogEntry:
    """Append a just-signed version (and first anything missing). Caller's transaction."""
    head = _head()
    _repair_first(head, exclude_version=version.pk)
    return _append(
        head,
        entry=version_entry(version, slug=slug),
        kind=LogEntry.Kind.PASSPORT,
        version=version,
    )


def log_key_event(*, key: SigningKey, status: str, at: datetime) -> LogEntry:
    """Append a key event (and first anything missing). Caller's transaction."""
    head = _head()
    _repair_first(head, exclude_key=(key.pk, status))
    return _append(
        head,
        entry=key_entry(key, status=status, at=at),
        kind=LogEntry.Kind.KEY,
        key=key,
        key_status=status,
    )


def _repair_first(
    head: LogHead, *, exclude_version: int | None = None, exclude_key: tuple[int, str] | None = None
) -> None:
    """The next append repairs: cheap checks first, the full repair only when something is missing."""
    missing_versions = PassportVersion.objects.filter(log_entry__isnull=True)
    if exclude_version is not None:
        missing_versions = missing_versions.exclude(pk=exclude_version)
    if missing_versions.exists() or any(
        (key.pk, status) != exclude_key for _at, key, status in _missing_key_events()
    ):
        _repair(head, exclude_version=exclude_version, exclude_key=exclude_key)


# ---------------------------------------------------------------- reading and checkpoints


class LogUnavailable(ApplicationError):
    status = 503


_log_keys: dict[tuple[str, int], KeyPair] = {}


def log_key() -> KeyPair:
    """The log's own signing key, from LOG_SIGNING_KEY_FILE (made on first use in development).

    Read once per file version (path and modification time), not on every checkpoint.
    """
    path = Path(settings.LOG_SIGNING_KEY_FILE)
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        stamp = (str(path), -1)
    if stamp in _log_keys:
        return _log_keys[stamp]
    pair = read_key_file(path)
    if pair is None:
        if not settings.PASSPORT_AUTO_KEY:
            raise LogUnavailable(
                f"no log key in {settings.LOG_SIGNING_KEY_FILE}: run `python manage.py "
                "passport_keys generate` (or provision a private Ed25519 JWK there)",
                code="no_log_key",
            )
        return log_key_generate()[0]
    _log_keys[stamp] = pair
    return pair


def log_key_generate() -> tuple[KeyPair, bool]:
    """The log's key, written to LOG_SIGNING_KEY_FILE when there is none; (key, created).

    `passport_keys generate` calls it, so one command makes both keys in production.
    """
    path = Path(settings.LOG_SIGNING_KEY_FILE)
    pair = read_key_file(path)
    if pair is not None:
        return pair, False
    pair = KeyPair.generate()
    write_key_file(pair, path)
    return pair, True


def log_verifier_key() -> str:
    """The C2SP signed-note verifier key of the log: `<origin>+<key id>+<base64 key>`."""
    return verifier_key(name=settings.LOG_ORIGIN, public_key=log_key().public)


class _Leaves:
    """The leaf hashes read so far, per process. The log only grows, so a request reads
    only the entries appended since; a log that is not the one read before (another
    database, a test's fresh one) is read again from the start."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hashes: list[bytes] = []
        self.tree: LogTree | None = None

    def current(self) -> list[bytes]:
        with self.lock:
            known = len(self.hashes)
            if known:
                still = (
                    LogEntry.objects.filter(index=known - 1)
                    .values_list("leaf_hash", flat=True)
                    .first()
                )
                if still is None or bytes.fromhex(still) != self.hashes[-1]:
                    self.hashes, self.tree, known = [], None, 0
            self.hashes += [
                bytes.fromhex(value)
                for value in LogEntry.objects.filter(index__gte=known)
                .order_by("index")
                .values_list("leaf_hash", flat=True)
            ]
            return list(self.hashes)

    def tree_of(self, leaves: list[bytes]) -> LogTree:
        with self.lock:
            tree = self.tree
            if tree is None or tree.size != len(leaves) or tree.last != (leaves or [b""])[-1]:
                tree = self.tree = LogTree(leaves)
            return tree


_leaves = _Leaves()


def log_leaf_hashes(*, size: int | None = None) -> list[bytes]:
    """The leaf hashes of the tree of `size` (the whole log: None), in index order."""
    leaves = _leaves.current()
    return leaves if size is None else leaves[:size]


def log_tree(leaves: list[bytes]) -> LogTree:
    """The tree of these leaves (the whole log as log_leaf_hashes gave it), hashed once
    per size in this process."""
    return _leaves.tree_of(leaves)


class LogTree:
    """The tree of some leaves, hashed once: its root, proofs and signed checkpoint."""

    def __init__(self, leaf_hashes: list[bytes]) -> None:
        self.size = len(leaf_hashes)
        self.last = leaf_hashes[-1] if leaf_hashes else b""
        self.levels = merkle.tree_levels(leaf_hashes)
        self._subtree = lambda height, index: self.levels[height][index]
        self.root = merkle.root_from(tree_size=self.size, subtree=self._subtree)
        self._signed: dict[tuple[str, bytes], str] = {}

    def inclusion(self, index: int) -> list[bytes]:
        return merkle.inclusion_proof_from(index=index, tree_size=self.size, subtree=self._subtree)

    def consistency(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """From old_size to new_size (this tree's size by default): the complete subtrees of
        any prefix are this tree's own, so no smaller tree is hashed again."""
        return merkle.consistency_proof_from(
            old_size=old_size,
            new_size=self.size if new_size is None else new_size,
            subtree=self._subtree,
        )

    def checkpoint(self) -> str:
        """The signed checkpoint (C2SP tlog-checkpoint in a signed-note) of this tree."""
        origin, seed = settings.LOG_ORIGIN, log_key().seed
        if (origin, seed) not in self._signed:
            body = checkpoint_body(origin, self.size, self.root)
            self._signed[origin, seed] = sign_note(body, name=origin, private_seed=seed)
        return self._signed[origin, seed]
