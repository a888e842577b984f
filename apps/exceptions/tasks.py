"""Exception tasks."""

from celery import shared_task

from .tally import tally_compact


@shared_task(name="exceptions.tally_compact", ignore_result=True, soft_time_limit=60, time_limit=90)
def exceptions_tally_compact() -> None:
    """Fold the open-exception tally's delta rows (scheduled by beat): keeps the dashboards' read small."""
    tally_compact()
