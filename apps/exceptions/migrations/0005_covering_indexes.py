"""PostgreSQL-only indexes that let the workbench and the exception dashboards answer from an index alone at a
million exceptions (measured in docs/PERFORMANCE.md, "Workbench at 1,000,000 exceptions"):

- `exception_open_cover_idx`: open cases in the list's default order (last_seen DESC NULLS LAST, id DESC) carrying
  every column the list filters and the dashboards group by. It serves `listing.list_page`'s id query (an
  index-only walk that skips non-matching cases without reading the table: old cases, a rare kind, a supplier),
  `common.counting.bounded_count`, and the dashboard widgets exceptions-by-entity-kind and exceptions-by-age
  (index-only scans grouped in memory instead of reading ~66,000 table pages).
- `exception_fingerprint_recent_idx`: the detail page's "related exceptions with the same fingerprint", newest
  first, with the legal entity for scoping: ten rows and a bounded count from the index of that group only.
- `exception_kind_first_seen_idx`: the controls dashboard's daily counts of one kind (duplicate suppliers,
  unmatched acknowledgments) over the chosen period, with entity and status for scoping and "still open".

Index-only scans skip the table only for pages the visibility map marks all-visible, so autovacuum visits this
table after 1 % of its rows changed instead of PostgreSQL's default 20 % (200,000 rows at this size).

Built concurrently (the table stays writable); SQLite (the embedded demo) needs none of them and gets nothing.
"""

from django.db import migrations

OPEN = "status IN ('open', 'assigned')"
INDEXES = {
    "exception_open_cover_idx": (
        "(last_seen DESC NULLS LAST, id DESC) INCLUDE (status, legal_entity_id, kind, severity, source_system_id, "
        "supplier_id, bank_account_id, payment_batch_id, period_id, owner_id, record_type, first_seen, sla_due_at) "
        f"WHERE {OPEN}"),
    "exception_fingerprint_recent_idx": "(fingerprint, last_seen DESC NULLS LAST, id DESC) INCLUDE (legal_entity_id)",
    "exception_kind_first_seen_idx": "(kind, first_seen) INCLUDE (legal_entity_id, status)",
}
STORAGE = ("autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01, "
           "autovacuum_analyze_scale_factor = 0.02")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON exceptions_exceptioncase "
                              f"{definition}")
    schema_editor.execute(f"ALTER TABLE exceptions_exceptioncase SET ({STORAGE})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE exceptions_exceptioncase RESET (autovacuum_vacuum_scale_factor, "
                          "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)")
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exceptions", "0004_search_and_sla_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
