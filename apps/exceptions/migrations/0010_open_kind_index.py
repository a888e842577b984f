"""PostgreSQL-only: open cases by kind, for the workbench list's bounded count under a kind filter.

The count of the busiest kind (60,209 open of 234,892 in all statuses) read 10,001 matches out of
exception_kind_first_seen_idx, which holds closed cases too (48–64 ms at a million exceptions); this partial index
holds the open ones only, so the count is an index-only range scan of the matches. Built concurrently; SQLite gets
nothing (docs/PERFORMANCE.md, "Open-exception tally").
"""

from django.db import migrations

INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS exception_open_kind_idx ON exceptions_exceptioncase "
    "(kind, legal_entity_id) WHERE status IN ('open', 'assigned')"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS exception_open_kind_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exceptions", "0009_open_severity_and_supplier_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
