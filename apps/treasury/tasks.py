"""Periodic treasury controls (scheduled by beat): thin wrappers over the services."""

from celery import shared_task


@shared_task(name="treasury.payments_unacknowledged_check", soft_time_limit=240, time_limit=300, ignore_result=True)
def payments_unacknowledged_check() -> int:
    from .services import payments_unacknowledged_check as check

    return len(check())


@shared_task(name="treasury.reconciliation_run", acks_late=True, soft_time_limit=1700, time_limit=1800,
             ignore_result=True)
def reconciliation_run() -> None:
    from .reconciliation import reconciliation_run as run

    run()


@shared_task(name="treasury.reconciliation_unmatched_check", soft_time_limit=240, time_limit=300,
             ignore_result=True)
def reconciliation_unmatched_check() -> None:
    from .reconciliation import reconciliation_unmatched_check as check

    check()
