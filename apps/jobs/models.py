"""User-visible background work as rows: what runs, for whom, how far it got and what came of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.common.models import TimeStampedModel

from .choices import ACTIVE_STATUSES, BADGE_COLOURS, JobStatus, LogLevel


class Job(TimeStampedModel):
    """A long piece of work a person started (a bulk resolve, a statement import) and watches.

    Pages show its progress from this row, never from Celery's result backend. `params` are the inputs
    the handler needs; `result` is the summary a person reads when it is done.
    """

    kind = models.CharField(max_length=60, db_index=True, help_text="handler name, e.g. workbench.bulk_resolve")
    label = models.CharField(max_length=200, help_text="what it does, in words")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    progress_unit = models.CharField(max_length=30, default="items", help_text="what is counted: lines, exceptions")
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="why it failed, in plain words")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="jobs")
    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    runs = models.PositiveIntegerField(default=0, help_text="times a worker started it (>1 after a lost worker)")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper: jobs still queued or running, by last sign of life.
            models.Index(fields=["status", "heartbeat_at"], name="job_active_idx",
                         condition=models.Q(status__in=ACTIVE_STATUSES)),
            # "My jobs", newest first.
            models.Index(fields=["created_by", "-created_at"], name="job_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_total__isnull=True)
                | models.Q(progress_done__lte=models.F("progress_total")),
                name="job_progress_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == JobStatus.SUCCEEDED else None
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def badge_colour(self) -> str:
        return BADGE_COLOURS[self.status]


class JobLogEntry(models.Model):
    """One line of a job's log, shown under its progress bar."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="log_entries")
    at = models.DateTimeField()
    level = models.CharField(max_length=10, choices=LogLevel.choices, default=LogLevel.INFO)
    message = models.TextField()

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.message[:60]}"
