"""The ranking clock: the database moves RegistryClock "ranking" on every write to the rows a
resolve reads of the models it ranks and shows besides their listings (registry_capability:
texts, outcomes and probe counts; registry_providerendpoint: offers, prices, probe status;
registry_artifactfacet: the modalities a need's constraints select by;
passports_passportversion: the signed versions an answer shows), as migration 0008 moves
"listings" for registry_artifact and registry_trust, and for the same reasons: no code path
can forget it, and each write sets a fresh random value. matching/listings.py keeps what a
resolve reads of these rows under it.

The same rules as 0008's hold: SQLite gets row triggers, PostgreSQL statement triggers
(TRUNCATE included) BEFORE the statement; a later migration that remakes one of these
tables on SQLite must run `triggers_create` again (tests/registry/test_ranking_clock.py
fails if it does not). Other databases get no triggers, and nothing is kept there.
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
TICK_POSTGRESQL = (
    "INSERT INTO registry_registryclock (name, value) "
    f"VALUES ('{CLOCK}', floor(random() * 9223372036854775807)::bigint) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
FUNCTION = "registry_ranking_clock_tick"


def triggers_create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            f"CREATE TRIGGER IF NOT EXISTS {table}_ranking_clock_{operation.lower()} "
            f"AFTER {operation} ON {table} FOR EACH ROW BEGIN {TICK_SQLITE}; END"
            for table in TABLES
            for operation in ("INSERT", "UPDATE", "DELETE")
        ]
        tick = TICK_SQLITE
    elif vendor == "postgresql":
        statements = [
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {TICK_POSTGRESQL}; RETURN NULL; END $$",
            *(f"DROP TRIGGER IF EXISTS {t}_ranking_clock ON {t}" for t in TABLES),
            *(
                f"CREATE TRIGGER {t}_ranking_clock "
                f"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                for t in TABLES
            ),
        ]
        tick = TICK_POSTGRESQL
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(tick)


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_ranking_clock_{operation}")
    elif vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_ranking_clock ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        return
    schema_editor.execute(f"DELETE FROM registry_registryclock WHERE name = '{CLOCK}'")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_listings_clock"),
        ("passports", "0003_cosignatures"),
    ]

    operations = [
        migrations.RunPython(triggers_create, triggers_drop),
    ]
