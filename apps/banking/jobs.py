"""Background jobs of the banking app (registered with apps.jobs; see docs/jobs.md)."""

from __future__ import annotations

from django.urls import reverse

from apps.jobs.registry import job_handler
from apps.jobs.services import JobReporter

from .choices import UploadStatus
from .models import BankFileUpload
from .uploads import JOB_KIND, bank_file_upload_process


@job_handler(JOB_KIND)
def import_files(job, report: JobReporter) -> dict:
    """Import the files of one upload, one transaction per file; a rerun skips the files already done."""
    uploads = list(BankFileUpload.objects.filter(job=job).order_by("id").only("id", "status"))
    total = len(uploads)
    for done, upload in enumerate(uploads, start=1):
        if upload.status == UploadStatus.PENDING:
            upload = bank_file_upload_process(upload=upload, actor=job.created_by)
            report.log(f"{upload.filename}: {upload.message}")
        report.progress(done, total, force=True)
    rows = list(BankFileUpload.objects.filter(job=job).order_by("id"))
    by_status = {status: sum(u.status == status for u in rows) for status in UploadStatus.values}
    return {
        "files": total,
        "imported": by_status[UploadStatus.IMPORTED],
        "already_imported": by_status[UploadStatus.DUPLICATE],
        "not_imported": by_status[UploadStatus.FAILED],
        "statements_created": sum(u.statements_created for u in rows),
        "entries": sum(u.entries for u in rows),
        "exceptions_raised": sum(u.exceptions_raised for u in rows),
        "notes": [f"{u.filename} — {u.message}" for u in rows],
        "links": [{"label": "Upload history", "url": reverse("banking:upload")},
                  {"label": "Statements", "url": reverse("banking:statements")}],
    }
