"""Reads of jobs: people see the jobs they started; user managers also those of their legal entities."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids

from .models import Job


def job_queryset(*, user) -> QuerySet[Job]:
    """A job's log and result show its entity's data (supplier pairs, case outcomes), so a user manager sees
    the jobs of their entities, and entity-less jobs (bulk actions) of people who work in one of them."""
    if can(user, Capability.MANAGE_USERS):
        mine = entity_ids(user)
        ids = Job.objects.filter(
            Q(created_by=user) | Q(legal_entity_id__in=mine)
            | Q(legal_entity__isnull=True, created_by__entity_memberships__legal_entity_id__in=mine)).values("pk")
        return Job.objects.filter(pk__in=ids)
    return Job.objects.filter(created_by=user)


def job_get(*, user, pk: int) -> Job:
    """The job, or Job.DoesNotExist when missing or not the user's (404, not 403)."""
    return job_queryset(user=user).select_related("created_by").get(pk=pk)


def job_log(*, job: Job, limit: int = 200) -> list:
    entries = list(job.log_entries.order_by("-id")[:limit])
    entries.reverse()
    return entries
