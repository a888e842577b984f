"""Bank files pages: upload statements and status reports (imported in the background), upload history."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.access.roles import Capability
from apps.access.selectors import can, visible_entities
from apps.common.errors import DomainError
from apps.jobs.models import Job
from apps.jobs.selectors import job_get, job_log
from apps.jobs.summary import summary_links, summary_notes, summary_rows

from . import selectors
from .choices import UploadStatus
from .forms import UploadForm
from .uploads import IncomingFile, bank_files_upload, max_upload_bytes

PAGE_SIZE = 50


def _job_context(request) -> dict:
    """The job just started (``?job=``), when it is the user's, for the progress block."""
    try:
        job = job_get(user=request.user, pk=int(request.GET.get("job", "")))
    except (ValueError, Job.DoesNotExist):
        return {}
    return {"job": job, "log": job_log(job=job), "rows": summary_rows(job.result),
            "links": summary_links(job.result), "notes": summary_notes(job.result)}


def upload_page(request):
    """The upload form (for roles that may import) and the upload history of the user's entities."""
    may_import = can(request.user, Capability.IMPORT_BANK_FILES)
    if request.method == "POST" and not may_import:
        return HttpResponseForbidden("Your role does not allow uploading bank files.")
    form = UploadForm(request.POST or None, request.FILES or None, entities=visible_entities(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = bank_files_upload(
                    files=[IncomingFile(f.name, f.read()) for f in form.cleaned_data["files"]],
                    legal_entity=form.cleaned_data["legal_entity"], actor=request.user,
                    ip_address=request.META.get("REMOTE_ADDR"))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect(f"{reverse('banking:upload')}?job={job.pk}")
        status = 400
    uploads = selectors.upload_list(user=request.user)
    page = Paginator(uploads, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = any(u.status == UploadStatus.PENDING for u in page)
    context = {"form": form, "may_import": may_import, "page": page, "pending": pending,
               "max_mb": max_upload_bytes() // (1024 * 1024), **_job_context(request)}
    template = "banking/_uploads.html" if request.headers.get("HX-Request") else "banking/upload.html"
    return render(request, template, context, status=status)
