"""The list clock: the database moves RegistryClock "listings" on every write to the rows
the passport list shows (registry_artifact, registry_trust), so no code path can forget it
(queryset.update, bulk_create, raw SQL, deletes, merges, flush). registry/list_page.py keeps
pages of the plain list keyed by it.

Each write sets a fresh random 63-bit value, not value + 1. A counter restarts after the
clock row is flushed (tests, `manage.py flush`) or a transaction that moved it is rolled
back, and its next value would name a different registry than the one a process already
cached under that value: a stale page served. A random value does not repeat (52 random
bits on PostgreSQL, 63 on SQLite: a repeat among the few values a process sees is
vanishingly unlikely), so a key, once cached, names one state only. The upsert recreates a
missing row; with no row at all (a flush just ran) list_page caches nothing.

SQLite has row triggers only (one upsert per row written; a few microseconds). PostgreSQL
gets statement triggers, TRUNCATE included, BEFORE the statement: the clock row's lock is
taken before the statement's row locks, so writers queue on it in one order.

A later migration that alters registry_artifact or registry_trust on SQLite remakes the
table (copy, drop, rename), and dropping a table drops its triggers: such a migration must
run `triggers_create` again (tests/registry/test_list_clock.py fails if it does not).
Other databases get no triggers, and list_page caches for SQLite and PostgreSQL only.
"""

from typing import Any

from django.db import migrations

CLOCK = "listings"
TABLES = ("registry_artifact", "registry_trust")
TICK_SQLITE = (
    "INSERT INTO registry_registryclock (name, value) "
    f"VALUES ('{CLOCK}', random() & 9223372036854775807) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
# random() is a double in [0, 1): the product stays below 2**63 - 1.
TICK_POSTGRESQL = (
    "INSERT INTO registry_registryclock (name, value) "
    f"VALUES ('{CLOCK}', floor(random() * 9223372036854775807)::bigint) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
FUNCTION = "registry_listings_clock_tick"


def _sqlite(table: str, operation: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_listings_clock_{operation.lower()} "
        f"AFTER {operation} ON {table} FOR EACH ROW BEGIN {TICK_SQLITE}; END"
    )


def triggers_create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [_sqlite(t, op) for t in TABLES for op in ("INSERT", "UPDATE", "DELETE")]
        tick = TICK_SQLITE
    elif vendor == "postgresql":
        statements = [
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {TICK_POSTGRESQL}; RETURN NULL; END $$",
            *(f"DROP TRIGGER IF EXISTS {t}_listings_clock ON {t}" for t in TABLES),
            *(
                f"CREATE TRIGGER {t}_listings_clock "
                f"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                for t in TABLES
            ),
        ]
        tick = TICK_POSTGRESQL
    else:
        return  # no clock: registry/list_page.py does not cache on this database
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(tick)  # a clock from the start, so pages are kept before a write


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_listings_clock_{operation}")
    elif vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_listings_clock ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        return
    schema_editor.execute(f"DELETE FROM registry_registryclock WHERE name = '{CLOCK}'")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_fill_family"),
    ]

    operations = [
        migrations.RunPython(triggers_create, triggers_drop),
    ]
