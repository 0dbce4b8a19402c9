"""The ranking clock: the database moves RegistryClock "ranking" on every write to the rows a
resolve reads of the models it ranks and shows besides their listings (registry_capability:
texts, outcomes and probe counts; registry_providerendpoint: offers, prices, probe status;
registry_artifactfacet: the modalities a need's constraints select by;
passports_passportversion: the signed versions an answer shows), as migration 0008 moves
"listings" for registry_artifact and registry_trust, and for the same reasons: no code path
can forget it, and each write sets a fresh random value. matching/listings/ keeps what a
resolve reads of these rows under it.

SQLite only: row triggers, as 0008's (one writer at a time, so a clock row cannot be
part of a deadlock); a later migration that remakes one of these tables on SQLite must run
`triggers_create` again (tests/matching/test_listings.py fails if it does not).

Not on PostgreSQL. 0008's statement triggers take the clock row's lock before the
statement, which holds for registry_artifact and registry_trust because their writers
take it under the artifacts' row locks, in one order. These four tables are written
outside those locks too, and the same lock taken on them deadlocked a matching round and
a probe round run side by side (tests/registry/test_refresh.py, on PostgreSQL, in CI).
A clock there needs no lock at all (a sequence, moved
at the statement and again at commit, and kept nothing by a transaction that wrote);
until then PostgreSQL has no ranking clock, and matching/listings/ keeps nothing
under it there: those rows are read per resolve, as before.
"""

from typing import Any

from django.db import migrations

CLOCK = "ranking"
TABLES = (
    "registry_capability",
    "registry_providerendpoint",
    "registry_artifactfacet",
    "passports_passportversion",
)
TICK_SQLITE = (
    "INSERT INTO registry_registryclock (name, value) "
    f"VALUES ('{CLOCK}', random() & 9223372036854775807) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def triggers_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_ranking_clock_{operation.lower()} "
                f"AFTER {operation} ON {table} FOR EACH ROW BEGIN {TICK_SQLITE}; END"
            )
    schema_editor.execute(TICK_SQLITE)


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for operation in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_ranking_clock_{operation}")
    schema_editor.execute(f"DELETE FROM registry_registryclock WHERE name = '{CLOCK}'")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_listings_clock"),
        ("passports", "0003_cosignatures"),
    ]

    operations = [
        migrations.RunPython(triggers_create, triggers_drop),
    ]
