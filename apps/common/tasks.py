"""Platform tasks."""

from celery import shared_task

from apps.common import heartbeat as hb


@shared_task(name="apps.common.tasks.heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat() -> None:
    """Run by a worker every 15 s (scheduled by beat): proves a worker consumes the queue."""
    hb.stamp("worker")


@shared_task(name="apps.common.tasks.noop", ignore_result=True, soft_time_limit=5, time_limit=10)
def noop() -> None:
    """Does nothing: benchmarks measure Celery's own task rate with it (the ceiling of a task per record)."""
