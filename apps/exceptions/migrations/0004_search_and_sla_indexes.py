"""PostgreSQL-only indexes for two workbench filters at a million rows:

- text search on references and titles (`q`: UPPER(col) LIKE UPPER('%term%'), a sequential scan without it):
  trigram GIN indexes on the same expressions (pg_trgm, a trusted extension);
- SLA state of open cases (`sla`: sla_due_at compared with now): a partial B-tree on sla_due_at.

Built concurrently; SQLite (the demo) needs neither and gets nothing.
"""

from django.db import migrations

INDEXES = {
    "exception_reference_trgm_idx": "USING gin (UPPER(reference::text) gin_trgm_ops)",
    "exception_title_trgm_idx": "USING gin (UPPER(title::text) gin_trgm_ops)",
    "exception_open_sla_idx": "(sla_due_at) WHERE status IN ('open', 'assigned')",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON exceptions_exceptioncase "
                              f"{definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exceptions", "0003_workbench_order_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
