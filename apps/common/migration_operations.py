"""Migration operations shared by the apps."""

from __future__ import annotations

from django.db.migrations.operations import AddIndex


class AddIndexConcurrentlyIfPostgres(AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (a large table stays writable while it builds; the migration must
    be `atomic = False`). Other databases get no index: these serve PostgreSQL's planner at scale, and SQLite
    (the embedded demo) can express neither NULLS LAST nor CONCURRENTLY in an index."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor == "postgresql" and self.allow_migrate_model(
                schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor == "postgresql" and self.allow_migrate_model(
                schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)
