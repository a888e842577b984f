"""Celery tasks of the pipeline: thin, id-based, safe to run twice, time-limited."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="sync.process_records", acks_late=True, reject_on_worker_lost=True, soft_time_limit=540,
             time_limit=600, ignore_result=True)
def process_records(record_ids: list[int]) -> dict[str, int]:
    """Process a chunk of records. A worker killed mid-chunk leaves the rest to redelivery or the sweeper."""
    return services.records_process(record_ids)


@shared_task(name="sync.replay_record", acks_late=True, soft_time_limit=120, time_limit=150, ignore_result=True)
def replay_record(record_id: int, version_choice: str = "current") -> str:
    return services.record_process(record_id, version_choice=version_choice)


@shared_task(name="sync.sweep", soft_time_limit=50, time_limit=60, ignore_result=True)
def sweep() -> int:
    """Beat-driven: re-enqueue due retries, lost records and records held by dead workers."""
    return services.records_sweep()


@shared_task(name="sync.poll_connector", acks_late=True, soft_time_limit=540, time_limit=600, ignore_result=True)
def poll_connector(connector_id: int, trigger: str = "schedule") -> int:
    """One polling run (scheduled per connector through django-celery-beat, or "run now")."""
    from apps.connectors.models import Connector

    from .polling import connector_poll

    connector = Connector.objects.filter(pk=connector_id).first()
    if connector is None:
        return 0
    return connector_poll(connector=connector, trigger=trigger).pk
