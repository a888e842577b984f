"""PostgreSQL-only: two small partial indexes for the workbench list's bounded count (common.counting.bounded_count) under
a filter that matches a few per cent of the open cases (measured in docs/PERFORMANCE.md, "Open-exception tally").

Counting up to 10,001 "critical" cases walked the covering index through ~166,000 open cases (100 ms at a million
exceptions); a supplier's were counted by a bitmap heap scan over all its cases, closed ones included (108 ms).
With these the count is an index-only range scan of the matches alone. Built concurrently; SQLite gets nothing.
"""

from django.db import migrations

OPEN = "status IN ('open', 'assigned')"
INDEXES = {
    "exception_open_severity_idx": f"(severity, legal_entity_id) WHERE {OPEN}",
    "exception_open_supplier_idx": f"(supplier_id) INCLUDE (legal_entity_id) WHERE {OPEN} AND supplier_id IS NOT NULL",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON exceptions_exceptioncase {definition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exceptions", "0008_open_first_seen_index_and_statistics"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
