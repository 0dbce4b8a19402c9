"""What a resolve reads of the listings it ranks, kept per process under the list clock:
their names (slug, family key), which shortlist._rank orders the models its search reaches
by, and the columns an answer shows and ties are broken by (shortlist._order_bands). Read
from the database per resolve they were about 1 ms for the names, one to four times a
resolve, and 1.4 ms for the shown rows, at 10,000 capabilities, for values that change only
when a listing or its trust is written.

The list clock (registry.list_page.listings_clock) is moved by the database itself on every
write to registry_artifact and registry_trust, each time to a fresh random value (migration
0008 says why), so what is kept under a clock value was read from exactly the listings
written before it. A resolve reads the clock once (listings_kept); what it reads from the
database is added under that value. Only the latest value's are kept: a write drops them
all, and the next resolves read again what they rank. Without a clock (a flush just ran, or
a database without the triggers) nothing is kept and every read goes to the database.

The shown rows are model instances shared by every resolve of the process: read, never
changed (answer.results_build formats them). At most SHOWN_KEPT are kept; past that, the
rest are read per resolve, as without a clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from registry.list_page import listings_clock
from registry.models import Artifact

SHOWN_KEPT = 10_000
# What an answer shows of a model and ranks it by (shortlist._tie_facts): not the full rows,
# whose JSON columns (pricing, distribution, extra, supported parameters, ...) cost a decode
# each, and no answer shows them.
SHOWN_FIELDS = (
    "slug",
    "release_date",
    "prompt_price_per_1m",
    "context_length",
    "trust__score",
    "trust__probe_outcomes",
    "artifact_id",
    "name",
    "type",
    "family",
    "url",
    "verified",
    "completion_price_per_1m",
)


@dataclass
class Kept:
    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # (slug, family key)
    shown: dict[int, Artifact] = field(default_factory=dict)  # SHOWN_FIELDS and trust


# (database alias, name; clock value)
_Key = tuple[str, str, int]
_lock = threading.Lock()
_kept: tuple[_Key, Kept] | None = None


def listings_kept() -> Kept | None:
    """What is kept of the listings as they are now (the list clock read once), for
    names_read and shown_read to use and fill; None: nothing can be kept."""
    global _kept
    clock = listings_clock()
    if clock is None:
        return None
    key = (connection.alias, str(connection.settings_dict["NAME"]), clock)
    with _lock:
        if _kept is None or _kept[0] != key:
            _kept = (key, Kept())
        return _kept[1]


def names_prefill() -> int:
    """Keep every listing's name under the clock as it is now (matching.warmup, as a web
    process starts: a resolve then reads none it ranks from the database until a listing is
    written); how many are kept."""
    kept = listings_kept()
    if kept is None:
        return 0
    rows = Artifact.objects.order_by().values_list("pk", "slug", "family")
    kept.names.update({pk: (slug, family or slug) for pk, slug, family in rows.iterator(2000)})
    return len(kept.names)


def names_read(pks: Iterable[int], kept: Kept | None) -> dict[int, tuple[str, str]]:
    """(slug, family key: the family, or the slug when it has none) of each listing given
    that exists: those `kept` holds, and the others from the database, then kept."""
    found: dict[int, tuple[str, str]] = {}
    missing = []
    known = kept.names if kept is not None else {}
    for pk in pks:
        named = known.get(pk)
        if named is None:
            missing.append(pk)
        else:
            found[pk] = named
    if missing:
        rows = Artifact.objects.filter(pk__in=missing).values_list("pk", "slug", "family")
        read = {pk: (slug, family or slug) for pk, slug, family in rows}
        found.update(read)
        if kept is not None:
            kept.names.update(read)
    return found


def shown_read(pks: Iterable[int], kept: Kept | None) -> dict[int, Artifact]:
    """Each listing given that exists, with SHOWN_FIELDS and its trust only: those `kept`
    holds, and the others from the database, then kept (up to SHOWN_KEPT)."""
    found: dict[int, Artifact] = {}
    missing = []
    known = kept.shown if kept is not None else {}
    for pk in pks:
        artifact = known.get(pk)
        if artifact is None:
            missing.append(pk)
        else:
            found[pk] = artifact
    if missing:
        rows = Artifact.objects.filter(pk__in=missing).select_related("trust").only(*SHOWN_FIELDS)
        read = {artifact.pk: artifact for artifact in rows}
        found.update(read)
        if kept is not None and len(kept.shown) + len(read) <= SHOWN_KEPT:
            kept.shown.update(read)
    return found
