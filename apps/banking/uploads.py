"""Bank files people upload (the bank files page and the API): checked at once, imported in the background.

``bank_files_upload`` checks the request before anything is parsed (capability, legal entity, number,
size and kind of each file, from its first bytes) and refuses it whole when one file fails, so nothing
partial is stored. It then keeps the files as ``BankFileUpload`` rows and starts one background job
(``banking.import_files``, apps/banking/jobs.py) that imports them one by one with
``bank_file_upload_process``: each file in its own transaction, through the same services as every
other channel (``statement_import``, ``payment_status_import``), with a result summary in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.jobs.models import Job
from apps.jobs.services import job_start

from .choices import FileChannel, UploadStatus
from .filestore import chunks_read, chunks_write, source_digest, spooled
from .formats import FormatError, detect_format
from .formats.xmlsafe import read_head
from .models import BankFileUpload, BankFileUploadChunk
from .services import payment_status_import, statement_import

JOB_KIND = "banking.import_files"
# Names banks and bank portals give statement files; anything else is refused before it is read.
ALLOWED_SUFFIXES = frozenset({".xml", ".txt", ".sta", ".940", ".942", ".mt940", ".mt942", ".bai", ".bai2", ".dat",
                              ".csv", ".asc", ".052", ".053", ".054"})
STATEMENT_FORMATS = frozenset({"camt.052", "camt.053", "camt.054", "mt940", "mt942", "bai2"})
_HEAD_BYTES = 65536


def max_upload_bytes() -> int:
    """Largest file accepted (setting FINSYNC_UPLOAD_MAX_BYTES, default 50 MB); bigger files go through the
    drop folder or the command line, which stream them."""
    return int(getattr(settings, "FINSYNC_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))


def max_upload_files() -> int:
    return int(getattr(settings, "FINSYNC_UPLOAD_MAX_FILES", 20))


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived: its name, and its bytes or the open file holding them (an upload Django spooled
    to a temporary file), which is then only ever read piece by piece."""

    name: str
    content: bytes | IO[bytes]

    @property
    def size(self) -> int:
        if isinstance(self.content, bytes):
            return len(self.content)
        size = getattr(self.content, "size", None)
        if size is None:
            size = self.content.seek(0, 2)
        return size

    def head(self, length: int = _HEAD_BYTES) -> bytes:
        if isinstance(self.content, bytes):
            return self.content[:length]
        self.content.seek(0)
        return self.content.read(length)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def file_problem(incoming: IncomingFile) -> str | None:
    """Why a file is refused before it is parsed, in plain words; None when it may be imported."""
    name = PurePath(incoming.name).name or "(no name)"
    if not incoming.size:
        return f"{name} is empty."
    if incoming.size > max_upload_bytes():
        return (f"{name} is {_megabytes(incoming.size)}, more than the {_megabytes(max_upload_bytes())} an "
                "upload may have; use the bank connector's drop folder for larger files.")
    suffix = PurePath(name).suffix.lower()
    if suffix and suffix not in ALLOWED_SUFFIXES:
        return (f"{name} does not look like a bank file (files ending in {suffix} are not accepted; bank statements "
                "and status reports end in .xml, .sta, .940, .txt, .bai2 and the like).")
    try:
        kind = detect_format(incoming.head())
    except FormatError as error:
        return f"{name} is not a bank statement or payment status report we can read: {error.reason}."
    if kind == "pain.001":
        return f"{name} is a payment order (pain.001) that we send to the bank; upload statements or status reports."
    return None


def bank_files_upload(*, files: list[IncomingFile], legal_entity, actor, channel: str = FileChannel.UPLOAD,
                      ip_address: str | None = None) -> Job:
    """Check the files and start their import in the background; returns the job to follow.

    Refuses the whole request (``DomainError``, nothing stored) when the actor may not import bank files
    for ``legal_entity`` or any file fails ``file_problem``.
    """
    if not can(actor, Capability.IMPORT_BANK_FILES):
        raise PermissionDenied("Your role does not allow uploading bank files.")
    if legal_entity is None or legal_entity.pk not in entity_ids(actor):
        raise PermissionDenied("You can upload bank files only for your own legal entities.")
    if not files:
        raise DomainError("Choose at least one file to upload.", code="no_files")
    if len(files) > max_upload_files():
        raise DomainError(f"Upload at most {max_upload_files()} files at a time.", code="too_many_files")
    problems = [problem for problem in map(file_problem, files) if problem]
    if problems:
        raise DomainError("Nothing was uploaded. " + " ".join(problems), code="file_refused",
                          extra={"problems": problems})
    names = [PurePath(f.name).name for f in files]
    label = f"Import {names[0]}" if len(files) == 1 else f"Import {len(files)} bank files"
    with transaction.atomic():
        job = job_start(kind=JOB_KIND, label=label, params={}, actor=actor, legal_entity=legal_entity,
                        total=len(files), unit="files", ip_address=ip_address)
        for name, incoming in zip(names, files, strict=True):
            sha256, size = source_digest(incoming.content)
            upload = BankFileUpload.objects.create(
                legal_entity=legal_entity, uploaded_by=actor, job=job, channel=channel, filename=name[:255],
                size=size, sha256=sha256)
            chunks_write(BankFileUploadChunk, "upload", upload, incoming.content)
            audit_record(action="bank_file.uploaded", actor=actor, obj=upload, legal_entity=legal_entity,
                         after={"filename": upload.filename, "size": upload.size, "sha256": upload.sha256,
                                "job": job.pk, "channel": channel}, ip_address=ip_address)
    return job


def bank_file_upload_process(*, upload: BankFileUpload, actor) -> BankFileUpload:
    """Import one uploaded file (once: a file already processed is returned as it is) and record the outcome.

    The import and the outcome are written in one transaction; a file that cannot be read keeps its
    evidence (see apps.banking.services) and gets a failed outcome saying why. The waiting bytes are copied
    piece by piece to a temporary file that the import streams, then deleted.
    """
    with transaction.atomic():
        upload = BankFileUpload.objects.select_for_update().select_related("legal_entity").get(pk=upload.pk)
        if upload.status != UploadStatus.PENDING:
            return upload
        try:
            with spooled(chunks_read(upload.chunks.all()), suffix=PurePath(upload.filename).suffix[:10]) as path:
                _import(upload, path, actor)
        except FormatError as error:
            # statement_import / payment_status_import kept the file as evidence and opened statement.unreadable.
            upload.status, upload.exceptions_raised = UploadStatus.FAILED, 1
            upload.message = (f"This file is not a bank statement we can read: {error.reason}. Nothing was "
                              "imported; the file is kept as received and an exception is open in the workbench.")
        except DomainError as error:
            upload.status, upload.message = UploadStatus.FAILED, error.message
        upload.chunks.all().delete()
        upload.processed_at = timezone.now()
        upload.save()
        audit_record(action="bank_file.processed", actor=actor, obj=upload, legal_entity=upload.legal_entity,
                     after={"status": upload.status, "format": upload.format, "message": upload.message,
                            "statements_created": upload.statements_created,
                            "statements_duplicate": upload.statements_duplicate,
                            "exceptions_raised": upload.exceptions_raised})
    return upload


def _import(upload: BankFileUpload, path: Path, actor) -> None:
    upload.format = detect_format(read_head(path, _HEAD_BYTES))
    if upload.format == "pain.002":
        _status_report(upload, path, actor)
    elif upload.format in STATEMENT_FORMATS:
        _statements(upload, path, actor)
    else:
        raise DomainError(f"This file is a {upload.format}, not a bank statement or payment status report.",
                          code="wrong_kind")


def _statements(upload: BankFileUpload, path: Path, actor) -> None:
    result = statement_import(path=path, filename=upload.filename, channel=upload.channel, actor=actor,
                              legal_entity=upload.legal_entity)
    upload.statement_file = result.statement_file
    upload.statements_created, upload.statements_duplicate = result.created, result.duplicates
    upload.entries = result.entries_created
    upload.exceptions_raised = len(result.exceptions)
    # Nothing created and nothing seen before (e.g. every statement for an unknown account) is "not imported".
    upload.status = (UploadStatus.IMPORTED if result.created else
                     UploadStatus.DUPLICATE if result.duplicates else UploadStatus.FAILED)
    parts = [f"{_count(result.created, 'statement')} imported with {_count(upload.entries, 'entry', 'entries')}"]
    if result.duplicates:
        parts.append(f"{_count(result.duplicates, 'statement')} already imported before")
    if result.unknown_accounts:
        parts.append(f"{_count(result.unknown_accounts, 'statement')} for an account that is not set up")
    kinds = sorted({case.kind for case in result.exceptions})
    if kinds:
        parts.append(f"{_count(len(result.exceptions), 'exception')} raised ({', '.join(kinds)})")
    upload.message = f"{upload.format}: " + "; ".join(parts) + "."


def _status_report(upload: BankFileUpload, path: Path, actor) -> None:
    result = payment_status_import(path=path, filename=upload.filename, channel=upload.channel, actor=actor,
                                   legal_entity=upload.legal_entity)
    upload.statement_file = result.statement_file
    upload.entries = len(result.report.transactions)
    upload.exceptions_raised = len(result.exceptions)
    if result.file_already_received:
        upload.status = UploadStatus.DUPLICATE
        upload.message = "This payment status report was imported before; nothing changed."
        return
    upload.status = UploadStatus.IMPORTED
    upload.message = (f"Payment status report for {result.report.original_message_id or 'an unnamed message'}: "
                      f"{len(result.accepted)} accepted, {len(result.rejected)} rejected, "
                      f"{len(result.unmatched)} matching no payment.")


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
