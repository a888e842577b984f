"""Indexes for the workbench list's default order (last_seen DESC NULLS LAST, id DESC): one for open cases, one
for every status. Built concurrently on PostgreSQL (the table has a million rows in production)."""

from django.db import migrations, models

from apps.common.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exceptions", "0002_initial_relations"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="exceptioncase",
            index=models.Index(models.OrderBy(models.F("last_seen"), descending=True, nulls_last=True),
                               models.OrderBy(models.F("id"), descending=True),
                               condition=models.Q(("status__in", ("open", "assigned"))),
                               name="exception_open_recent_idx"),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="exceptioncase",
            index=models.Index(models.OrderBy(models.F("last_seen"), descending=True, nulls_last=True),
                               models.OrderBy(models.F("id"), descending=True),
                               name="exception_recent_idx"),
        ),
    ]
