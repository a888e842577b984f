"""PostgreSQL-only: the index the exceptions-by-age widget counts a bound's day from, and extended statistics on
the workbench's correlated filter columns (measured in docs/PERFORMANCE.md, "Open-exception tally").

- `exception_open_first_seen_idx`: open cases by first_seen with the entity (index-only). The tally answers whole
  days; the (at most four) days an age bound cuts through are counted from here, a day of open cases each.
- `exception_dimension_stats`: functional dependencies and distinct counts over legal entity, source system, kind,
  severity and status. Without them PostgreSQL multiplies the selectivities of correlated filters (a source
  system sends to a few entities), underestimates e.g. "entity + source system + SLA breached" five-fold and picks
  a bitmap heap scan of 13,000 table pages for the list's bounded count instead of the covering index walk.

Built concurrently in a non-atomic migration; SQLite (the embedded demo) gets nothing.
"""

from django.db import migrations

TABLE = "exceptions_exceptioncase"
INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS exception_open_first_seen_idx ON exceptions_exceptioncase "
    "(first_seen) INCLUDE (legal_entity_id) WHERE status IN ('open', 'assigned')"
)
STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS exception_dimension_stats (dependencies, ndistinct) "
    "ON legal_entity_id, source_system_id, kind, severity, status FROM exceptions_exceptioncase"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INDEX)
    schema_editor.execute(STATISTICS)
    schema_editor.execute(f"ANALYZE {TABLE}")  # the statistics are empty until the next ANALYZE


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP STATISTICS IF EXISTS exception_dimension_stats")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS exception_open_first_seen_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exceptions", "0007_open_exception_tally_fill"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
