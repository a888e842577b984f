"""Background jobs of the workbench (registered with apps.jobs; see docs/jobs.md)."""

from apps.jobs.registry import job_handler

from .bulk import JOB_KIND, bulk_run

job_handler(JOB_KIND)(bulk_run)
