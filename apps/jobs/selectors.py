"""Reads of jobs: people see the jobs they started; system admins see all."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.access.roles import Capability
from apps.access.selectors import can

from .models import Job


def job_queryset(*, user) -> QuerySet[Job]:
    if can(user, Capability.MANAGE_USERS):
        return Job.objects.all()
    return Job.objects.filter(created_by=user)


def job_get(*, user, pk: int) -> Job:
    """The job, or Job.DoesNotExist when missing or not the user's (404, not 403)."""
    return job_queryset(user=user).select_related("created_by").get(pk=pk)


def job_log(*, job: Job, limit: int = 200) -> list:
    entries = list(job.log_entries.order_by("-id")[:limit])
    entries.reverse()
    return entries
