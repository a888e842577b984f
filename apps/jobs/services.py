"""Starting, running and sweeping background jobs.

`job_start` stores the job and sends its task on commit. `job_run` (the task's body) claims the job with a
conditional update, runs its handler, and always leaves it in a definite state. The sweeper re-sends jobs
whose task was lost and fails jobs whose worker died too often.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.errors import DomainError

from .choices import JobStatus, LogLevel
from .models import Job, JobLogEntry
from .registry import handler_for

logger = logging.getLogger("finsync.jobs")
PROGRESS_EVERY_SECONDS = 0.5  # progress writes are throttled: a person cannot read faster than this
MAX_RUNS = 3  # a job whose worker died this many times is failed, not retried forever


def _stale_after() -> timedelta:
    """A running job silent for longer than the task time limit lost its worker."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def job_start(*, kind: str, label: str, params: dict, actor, legal_entity=None, total: int | None = None,
              unit: str = "items", ip_address: str | None = None) -> Job:
    """Store a job for `actor` and run it in the background once the transaction commits."""
    if handler_for(kind) is None:
        raise DomainError(f"No background job called {kind!r}.", code="unknown_job")
    with transaction.atomic():
        job = Job.objects.create(kind=kind, label=label[:200], params=params, created_by=actor,
                                 legal_entity=legal_entity, progress_total=total, progress_unit=unit)
        audit_record(action="job.started", actor=actor, obj=job, legal_entity=legal_entity,
                     after={"kind": kind, "params": params}, ip_address=ip_address)
        transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int) -> None:
    from .tasks import run_job

    try:
        run_job.delay(job_id)
    except Exception:  # noqa: BLE001 - broker down: the sweeper sends it later
        logger.warning("could not enqueue job %s; the sweeper will retry", job_id, exc_info=True)


class JobReporter:
    """What a handler uses to tell people how far it got. Writes are throttled and also serve as the
    job's heartbeat. Call it between committed chunks so that progress and effects show together."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last_write = 0.0

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now_mono = time.monotonic()
        if not force and now_mono - self._last_write < PROGRESS_EVERY_SECONDS:
            return
        self._last_write = now_mono
        total = total if total is not None else self.job.progress_total
        done = min(done, total) if total is not None else done
        self.job.progress_done, self.job.progress_total = done, total
        Job.objects.filter(pk=self.job.pk).update(progress_done=done, progress_total=total,
                                                  heartbeat_at=timezone.now(), updated_at=timezone.now())

    def log(self, message: str, level: str = LogLevel.INFO) -> None:
        JobLogEntry.objects.create(job=self.job, at=timezone.now(), level=level, message=message[:2000])


def _claim(job_id: int) -> bool:
    """Queued, or running but silent past the stale limit (its worker died): take it."""
    now = timezone.now()
    return Job.objects.filter(
        Q(pk=job_id, runs__lt=MAX_RUNS)
        & (Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - _stale_after()))
    ).update(status=JobStatus.RUNNING, runs=F("runs") + 1, started_at=now, heartbeat_at=now, updated_at=now) == 1


def _end(job: Job, *, status: str, result: dict | None = None, error: str = "") -> None:
    now = timezone.now()
    fields = {"status": status, "result": result, "error": error[:4000], "finished_at": now, "heartbeat_at": now,
              "updated_at": now}
    if status == JobStatus.SUCCEEDED and job.progress_total is not None:
        fields["progress_done"] = job.progress_total
    Job.objects.filter(pk=job.pk).update(**fields)


def job_run(job_id: int) -> str:
    """Run a job's handler once; safe to call twice (the claim decides). Returns the final status."""
    if not _claim(job_id):
        return "skipped"
    job = Job.objects.select_related("created_by", "legal_entity").get(pk=job_id)
    handler = handler_for(job.kind)
    report = JobReporter(job)
    if job.runs > 1:
        report.log("The worker running this job stopped; it was started again and skips what was done.",
                   LogLevel.WARNING)
    try:
        if handler is None:
            raise DomainError(f"No background job called {job.kind!r}.", code="unknown_job")
        result = handler(job, report) or {}
    except DomainError as exc:
        report.log(exc.message, LogLevel.ERROR)
        _end(job, status=JobStatus.FAILED, error=exc.message)
        return JobStatus.FAILED
    except Exception as exc:  # noqa: BLE001 - a job always ends in a definite state
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        message = ("It stopped because it took too long." if type(exc).__name__ == "SoftTimeLimitExceeded"
                   else "It stopped because of an internal error; the administrators have the details.")
        report.log(message, LogLevel.ERROR)
        _end(job, status=JobStatus.FAILED, error=message)
        return JobStatus.FAILED
    _end(job, status=JobStatus.SUCCEEDED, result=result)
    return JobStatus.SUCCEEDED


def jobs_sweep() -> dict[str, int]:
    """Re-send jobs whose task was lost; fail jobs whose worker died MAX_RUNS times."""
    now = timezone.now()
    lost = list(Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - timedelta(minutes=1))
                .values_list("pk", flat=True)[:500])
    stale = Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - _stale_after())
    dead = list(Job.objects.filter(stale, runs__gte=MAX_RUNS).values_list("pk", flat=True)[:500])
    for pk in dead:
        job = Job(pk=pk)
        JobLogEntry.objects.create(job=job, at=now, level=LogLevel.ERROR,
                                   message=f"Its worker stopped {MAX_RUNS} times; it was given up.")
        _end(job, status=JobStatus.FAILED, error="It was interrupted repeatedly and given up. Start it again.")
    resend = lost + list(Job.objects.filter(stale, runs__lt=MAX_RUNS).values_list("pk", flat=True)[:500])
    for pk in resend:
        _send(pk)
    return {"resent": len(resend), "failed": len(dead)}
