"""Celery tasks of the jobs app: thin wrappers over the services."""

from celery import shared_task

from .services import job_run, jobs_sweep


@shared_task(name="jobs.run", acks_late=True)
def run_job(job_id: int) -> str:
    return job_run(job_id)


@shared_task(name="jobs.sweep", acks_late=True)
def sweep_jobs() -> dict[str, int]:
    return jobs_sweep()
