"""The periodic treasury tasks run their services (eagerly here; beat schedules them in production)."""

from datetime import timedelta

import pytest
from django.conf import settings

from apps.treasury import tasks

pytestmark = pytest.mark.django_db


def test_periodic_treasury_tasks_are_scheduled_and_run_on_an_empty_database():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"treasury.payments_unacknowledged_check", "treasury.reconciliation_run",
            "treasury.reconciliation_unmatched_check"} <= scheduled

    assert tasks.payments_unacknowledged_check.apply().get() == 0
    assert tasks.reconciliation_run.apply().successful()
    assert tasks.reconciliation_unmatched_check.apply().successful()
    assert timedelta(hours=settings.FINSYNC_ACK_SLA_HOURS) == timedelta(hours=4)
