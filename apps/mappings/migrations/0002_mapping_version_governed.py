"""MappingVersion moves onto apps.governance.GovernedVersion: approved_by/at become reviewed_by/at (a
reviewer may also reject), note becomes change_note, and proposed_at and review_note are new. Schema only;
the renames keep every existing value."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("mappings", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="mappingversion", name="mappingversion_four_eyes"),
        migrations.RenameField(model_name="mappingversion", old_name="approved_by", new_name="reviewed_by"),
        migrations.RenameField(model_name="mappingversion", old_name="approved_at", new_name="reviewed_at"),
        migrations.RenameField(model_name="mappingversion", old_name="note", new_name="change_note"),
        migrations.AlterField(
            model_name="mappingversion", name="reviewed_by",
            field=models.ForeignKey(blank=True, help_text="who approved or rejected it", null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to=settings.AUTH_USER_MODEL)),
        migrations.AlterField(
            model_name="mappingversion", name="change_note",
            field=models.TextField(blank=True, help_text="why this change, in the proposer's words")),
        migrations.AlterField(
            model_name="mappingversion", name="effective_from",
            field=models.DateTimeField(blank=True, help_text="runs from this moment once approved (empty: from approval)",
                                       null=True)),
        migrations.AddField(model_name="mappingversion", name="proposed_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="mappingversion", name="review_note",
                            field=models.TextField(blank=True)),
        migrations.AddConstraint(
            model_name="mappingversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("reviewed_by__isnull", True), ("proposed_by__isnull", True),
                                   models.Q(("reviewed_by", models.F("proposed_by")), _negated=True), _connector="OR"),
                name="mappings_mappingversion_four_eyes")),
        migrations.AddConstraint(
            model_name="mappingversion",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("status", "approved"), _negated=True), ("reviewed_by__isnull", False),
                                   _connector="OR"),
                name="mappings_mappingversion_approved_has_reviewer")),
    ]
