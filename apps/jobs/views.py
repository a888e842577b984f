"""Job pages: my recent jobs, one job with its progress bar, and the progress partial htmx polls."""

from django.http import Http404
from django.shortcuts import render

from .models import Job
from .selectors import job_get, job_log, job_queryset
from .summary import summary_links, summary_notes, summary_rows


def _context(request, pk: int) -> dict:
    try:
        job = job_get(user=request.user, pk=pk)
    except Job.DoesNotExist as exc:
        raise Http404("No such job") from exc
    return {"job": job, "log": job_log(job=job), "rows": summary_rows(job.result),
            "links": summary_links(job.result), "notes": summary_notes(job.result)}


def job_list(request):
    jobs = job_queryset(user=request.user).select_related("created_by")[:100]
    return render(request, "jobs/list.html", {"jobs": jobs})


def job_detail(request, pk: int):
    return render(request, "jobs/detail.html", _context(request, pk))


def job_progress(request, pk: int):
    """The progress block alone; it polls itself while the job is active and stops once it ends."""
    return render(request, "jobs/_progress.html", _context(request, pk))
