"""Periodic SLA work (scheduled by beat): thin wrappers over the services."""

from celery import shared_task


@shared_task(name="sla.flow_stats_refresh", soft_time_limit=50, time_limit=60, ignore_result=True)
def flow_stats_refresh() -> int:
    from .rollup import flow_stats_refresh as refresh

    return refresh()


@shared_task(name="sla.evaluate", soft_time_limit=50, time_limit=60, ignore_result=True)
def evaluate() -> dict:
    from .evaluation import sla_evaluate

    return sla_evaluate()
