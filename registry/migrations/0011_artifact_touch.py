"""Which models were written, how, and in what order (SQLite): every write to the rows a
resolve reads of a model moves RegistryClock "touches" on by one and records that value as
the model's last write of that kind (ArtifactTouch: its listing, trust, capabilities,
offers, facets or signed versions). matching/listings/ keeps what resolves read under the
list and ranking clocks (0008, 0009); with this it forgets only what the writes since
change, for the models written, not everything. A background round counts a few resolves
into the capabilities they showed and signs those models' passports: it used to empty every
process's caches, and the next resolves read again all they rank.

An update that changes only columns no resolve reads (IGNORED: a round's match counts, a
content digest, trust components other than the score) writes nothing here. The counter's
upper 31 bits are an epoch drawn at random when its row is made (a new database, or the
row flushed): a process that kept positions of another epoch forgets all it keeps. A
position means nothing inside a transaction that may be rolled back (its values come
again); matching/listings/ goes by positions read outside transactions only.

SQLite only, as 0009: row triggers, one writer at a time. The triggers name the columns a
table has now: a later migration that adds a column to one of these tables, or remakes
one, must run `triggers_create` again (tests/matching/test_touches.py fails if it does not).
"""

from typing import Any

from django.db import migrations, models

CLOCK = "touches"
# (table, the column naming the model its row belongs to, ArtifactTouch.Kind, the columns
# whose updates no resolve reads; None: only score and probe_outcomes are read)
TABLES: tuple[tuple[str, str, int, frozenset[str] | None], ...] = (
    ("registry_artifact", "id", 1, frozenset({"content_digest", "updated_at"})),
    ("registry_trust", "artifact_id", 2, None),
    (
        "registry_capability",
        "artifact_id",
        3,
        frozenset({"matches", "avg_confidence", "top_intents", "last_matched_at"}),
    ),
    ("registry_providerendpoint", "artifact_id", 4, frozenset()),
    ("registry_artifactfacet", "artifact_id", 5, frozenset()),
    ("passports_passportversion", "artifact_id", 6, frozenset()),
)
TRUST_READ = ("artifact_id", "score", "probe_outcomes")  # matching.listings.SHOWN_FIELDS
# A random epoch in the upper bits when the row is made; one more for each row written.
TICK = (
    "INSERT INTO registry_registryclock (name, value) "
    f"VALUES ('{CLOCK}', (random() & 2147483647) << 32) "
    "ON CONFLICT (name) DO UPDATE SET value = value + 1"
)


def _touch(artifact: str, kind: int) -> str:
    return (
        f"{TICK}; INSERT INTO registry_artifacttouch (artifact_id, kind, seq) "
        f"SELECT {artifact}, {kind}, value FROM registry_registryclock WHERE name = '{CLOCK}' "
        "ON CONFLICT (artifact_id, kind) DO UPDATE SET seq = excluded.seq;"
    )


def _read_columns(schema_editor: Any, table: str, ignored: frozenset[str] | None) -> list[str]:
    if ignored is None:
        return list(TRUST_READ)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"PRAGMA table_info({table})")
        columns = [row[1] for row in cursor.fetchall()]
    return [column for column in columns if column not in ignored]


def _triggers(
    table: str, column: str, kind: int, read: list[str] | None
) -> list[tuple[str, str]]:
    """(name, body) of each trigger on `table`; `read`: the columns whose update counts."""
    prefix = f"{table}_touch"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in read or [column])
    return [
        (
            f"{prefix}_insert",
            f"AFTER INSERT ON {table} FOR EACH ROW BEGIN {_touch(f'NEW.{column}', kind)} END",
        ),
        (
            f"{prefix}_update",
            f"AFTER UPDATE ON {table} FOR EACH ROW WHEN {changed} "
            f"BEGIN {_touch(f'NEW.{column}', kind)} END",
        ),
        (  # a row moved to another model (a merge): the one it left is written too
            f"{prefix}_move",
            f"AFTER UPDATE OF {column} ON {table} FOR EACH ROW "
            f"WHEN OLD.{column} IS NOT NEW.{column} BEGIN {_touch(f'OLD.{column}', kind)} END",
        ),
        (
            f"{prefix}_delete",
            f"AFTER DELETE ON {table} FOR EACH ROW BEGIN {_touch(f'OLD.{column}', kind)} END",
        ),
    ]


def triggers_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, column, kind, ignored in TABLES:
        read = _read_columns(schema_editor, table, ignored)
        for name, body in _triggers(table, column, kind, read):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(f"CREATE TRIGGER {name} {body}")
    schema_editor.execute(TICK)


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, column, kind, _ignored in TABLES:
        for name, _body in _triggers(table, column, kind, None):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(f"DELETE FROM registry_registryclock WHERE name = '{CLOCK}'")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_constraints_index"),
        ("passports", "0003_cosignatures"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArtifactTouch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("artifact_id", models.BigIntegerField()),
                (
                    "kind",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Listing"),
                            (2, "Trust"),
                            (3, "Capability"),
                            (4, "Offer"),
                            (5, "Facet"),
                            (6, "Signed"),
                        ]
                    ),
                ),
                ("seq", models.BigIntegerField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("artifact_id", "kind"), name="touch_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
