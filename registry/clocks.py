"""RegistryClock and ArtifactTouch, and reading and moving them: what caches in each process
(the matching index, the list pages, matching/listings/) go by to know the registry has
changed (registry.models imports these models, as the app's own). Plain SQL for the reads a resolve makes: through the ORM, building
the query cost more than running it."""

from __future__ import annotations

from django.db import connection, models
from django.db.models import F


class RegistryClock(models.Model):
    """Counters that move when something others cache changes (the matching index reads
    "capability_texts"). Ticked in the same transaction as the change. "listings" is moved
    by database triggers, to a random value, on every write to the rows the passport list
    shows (migration 0008; registry/list_page.py keeps pages under it)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ArtifactTouch(models.Model):
    """The last write of each kind to a model's rows that a resolve reads, as a position in
    the order of writes: the value of RegistryClock "touches" it took. SQLite's triggers
    write it (migration 0011), leaving out updates of columns no resolve reads (a round's
    match counts, a content digest); matching/listings/ reads the models written since
    what it keeps was read, and forgets only what those writes change. Not a foreign key:
    a deleted model's last write is kept too."""

    class Kind(models.IntegerChoices):
        LISTING = 1  # registry_artifact
        TRUST = 2  # registry_trust: the score and probe outcomes
        CAPABILITY = 3  # registry_capability: texts, outcome and probe counts
        OFFER = 4  # registry_providerendpoint
        FACET = 5  # registry_artifactfacet
        SIGNED = 6  # passports_passportversion

    artifact_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    seq = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact_id", "kind"], name="touch_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.artifact_id}/{self.kind}@{self.seq}"


def clock_tick(name: str) -> None:
    if not RegistryClock.objects.filter(name=name).update(value=F("value") + 1):
        RegistryClock.objects.get_or_create(name=name)
        RegistryClock.objects.filter(name=name).update(value=F("value") + 1)


def clock_read(name: str) -> int:
    return clocks_read(name).get(name, 0)


def clocks_read(*names: str) -> dict[str, int]:
    """The values of the named clocks that have a row, in one query. Plain SQL: through the
    ORM, building the query cost more than running it (a resolve reads two clocks)."""
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, value FROM registry_registryclock WHERE name IN ({marks})",  # noqa: S608 (placeholders only)
            names,
        )
        return {name: int(value) for name, value in cursor.fetchall()}


TOUCH_EPOCH_BITS = 32  # the touches clock's upper bits: an epoch drawn when its row is made


def touched_since(seq: int) -> list[tuple[int, int]]:
    """(model, ArtifactTouch.Kind) of each write after position `seq` of RegistryClock
    "touches", in its epoch: a flush deletes the clock's row before the rows whose delete
    triggers make it again, so rows of the epoch before (drawn larger or smaller) remain."""
    end = ((seq >> TOUCH_EPOCH_BITS) + 1) << TOUCH_EPOCH_BITS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT artifact_id, kind FROM registry_artifacttouch WHERE seq > %s AND seq < %s",
            [seq, end],
        )
        return [(int(pk), int(kind)) for pk, kind in cursor.fetchall()]
