"""A reconciliation match item may hold both sides: a match by end-to-end id writes its line and its payment on one
item (docs/PERFORMANCE.md, "Reconciliation at scale"). Every existing item holds one side, which the new check
allows too: no data changes (tests/treasury/test_reconciliation_migrations.py). Adding the check reads the items
table once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0007_remove_file_content"),
        ("treasury", "0006_reconciliation_match_no_user_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="reconciliationmatchitem",
            name="recmatchitem_one_side",
        ),
        migrations.AddConstraint(
            model_name="reconciliationmatchitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("statement_line__isnull", False), ("payment__isnull", False), _connector="OR"),
                name="recmatchitem_a_side",
            ),
        ),
    ]
