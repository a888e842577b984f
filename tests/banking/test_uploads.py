"""Uploading bank files: checked before parsing, imported by a background job, summarised per file, scoped."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from apps.audit.models import AuditEvent
from apps.banking.choices import UploadStatus
from apps.banking.models import BankFileUpload, BankStatement, StatementFile, StatementLine
from apps.banking.services import statement_file_content
from apps.banking.uploads import IncomingFile, bank_files_upload
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.models import ExceptionCase
from apps.jobs.choices import JobStatus
from apps.jobs.models import Job
from apps.jobs.services import job_run
from tests.samples import facts, require_samples
from tests.treasury.factories import DEBTOR_IBAN, Entry, Statement, camt053, company_account, month_periods

ING = "camt053/iso20022js-ing-example_camt.xml"
DTD_FILE = (b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&x;</BkToCstmrStmt>'
            b'</Document>')


@pytest.fixture
def ing_account(entity_de):
    """The account of the ING sample, held by the German entity."""
    month_periods(entity_de, 2014)
    return company_account(entity_de, iban=facts()[ING]["statements"][0]["account"])


def _sample(path: str) -> IncomingFile:
    full = require_samples() / path
    return IncomingFile(full.name, full.read_bytes())


def _counts():
    return (BankFileUpload.objects.count(), Job.objects.count(), StatementFile.objects.count(),
            BankStatement.objects.count(), ExceptionCase.objects.count())


def test_a_real_statement_and_a_dtd_file_are_imported_and_refused_file_by_file(treasury_operator, entity_de,
                                                                               ing_account):
    job = bank_files_upload(files=[_sample(ING), IncomingFile("evil.xml", DTD_FILE)], legal_entity=entity_de,
                            actor=treasury_operator)
    assert (job.kind, job.progress_total, job.progress_unit, job.legal_entity) == ("banking.import_files", 2, "files",
                                                                                  entity_de)
    assert list(BankFileUpload.objects.values_list("status", flat=True)) == [UploadStatus.PENDING] * 2
    assert BankStatement.objects.count() == 0  # nothing is parsed before the job runs

    assert job_run(job.pk) == JobStatus.SUCCEEDED

    expected = facts()[ING]
    good, bad = BankFileUpload.objects.order_by("id")
    assert (good.status, good.format, good.statements_created, good.statements_duplicate, good.entries) == (
        UploadStatus.IMPORTED, "camt.053", 1, 0, expected["n_entries"])
    assert good.message.startswith("camt.053: 1 statement imported with 9 entries")
    assert not good.chunks.exists()  # the waiting bytes are gone once imported
    assert good.statement_file.sha256 == expected["sha256"]
    assert statement_file_content(good.statement_file) == (require_samples() / ING).read_bytes()
    assert StatementLine.objects.filter(statement__bank_account=ing_account).count() == expected["n_entries"]
    assert (bad.status, bad.format, bad.statements_created) == (UploadStatus.FAILED, "camt.053", 0)
    assert bad.message.startswith("This file is not a bank statement we can read: the file contains a DOCTYPE")
    assert "refused for security reasons" in bad.message
    assert ExceptionCase.objects.filter(kind="statement.unreadable").count() == 1  # the evidence is kept
    job.refresh_from_db()
    assert (job.result["imported"], job.result["not_imported"], job.result["statements_created"],
            job.result["entries"]) == (1, 1, 1, 9)
    assert job.result["notes"] == [f"{good.filename} — {good.message}", f"evil.xml — {bad.message}"]
    assert (job.progress_done, job.status) == (2, JobStatus.SUCCEEDED)
    actions = list(AuditEvent.objects.filter(action__startswith="bank_file.").values_list("action", flat=True)
                   .order_by("id"))
    assert actions == ["bank_file.uploaded", "bank_file.uploaded", "bank_file.processed", "bank_file.processed"]


def test_the_same_file_again_is_reported_as_already_imported(treasury_operator, entity_de, ing_account):
    job_run(bank_files_upload(files=[_sample(ING)], legal_entity=entity_de, actor=treasury_operator).pk)
    second = bank_files_upload(files=[_sample(ING)], legal_entity=entity_de, actor=treasury_operator)
    job_run(second.pk)
    upload = BankFileUpload.objects.get(job=second)
    assert (upload.status, upload.statements_created, upload.statements_duplicate) == (UploadStatus.DUPLICATE, 0, 1)
    assert "1 statement already imported before" in upload.message
    assert BankStatement.objects.count() == 1


def test_a_rerun_of_the_job_skips_the_files_already_imported(treasury_operator, entity_de, ing_account):
    job = bank_files_upload(files=[_sample(ING)], legal_entity=entity_de, actor=treasury_operator)
    job_run(job.pk)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)  # a redelivered task after a lost worker
    job_run(job.pk)
    assert BankFileUpload.objects.get().status == UploadStatus.IMPORTED
    assert BankStatement.objects.count() == 1
    assert AuditEvent.objects.filter(action="bank_file.processed").count() == 1


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("empty.xml", b"", "empty.xml is empty."),
    ("photo.png", b"\x89PNG\r\n", "files ending in .png are not accepted"),
    ("notes.txt", b"hello, this is not a bank file", "not a bank statement or payment status report we can read"),
    ("order.xml", b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/>'
                  b'</Document>', "is a payment order (pain.001)"),
])
def test_a_bad_file_refuses_the_whole_upload_before_parsing(treasury_operator, entity_de, ing_account, name, content,
                                                             reason):
    before = _counts()
    with pytest.raises(DomainError) as refused:
        bank_files_upload(files=[_sample(ING), IncomingFile(name, content)], legal_entity=entity_de,
                          actor=treasury_operator)
    assert reason in refused.value.message
    assert refused.value.message.startswith("Nothing was uploaded.")
    assert _counts() == before


@override_settings(FINSYNC_UPLOAD_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused(treasury_operator, entity_de):
    big = camt053([Statement("S1", DEBTOR_IBAN, "0", "0", [Entry("1.00")] * 20)])
    with pytest.raises(DomainError, match="more than the 1 KB an upload may have"):
        bank_files_upload(files=[IncomingFile("big.xml", big)], legal_entity=entity_de, actor=treasury_operator)
    assert BankFileUpload.objects.count() == 0


def test_roles_that_may_not_import_are_refused(controller, auditor, entity_de):
    for person in (controller, auditor):
        with pytest.raises(PermissionDenied):
            bank_files_upload(files=[IncomingFile("a.xml", DTD_FILE)], legal_entity=entity_de, actor=person)
    assert BankFileUpload.objects.count() == 0


def test_an_upload_for_another_entity_is_refused(treasury_operator, entity_us):
    with pytest.raises(PermissionDenied, match="only for your own legal entities"):
        bank_files_upload(files=[IncomingFile("a.xml", DTD_FILE)], legal_entity=entity_us, actor=treasury_operator)


def test_a_statement_of_another_entitys_account_stores_nothing(treasury_operator, entity_de, entity_us):
    company_account(entity_us, iban=facts()[ING]["statements"][0]["account"])
    treasury_operator.entity_memberships.create(legal_entity=entity_us)  # may upload for both
    job = bank_files_upload(files=[_sample(ING)], legal_entity=entity_de, actor=treasury_operator)
    job_run(job.pk)
    upload = BankFileUpload.objects.get()
    assert upload.status == UploadStatus.FAILED
    assert upload.message.startswith("The file holds a statement for account NL08INGB0000001234, which is not an "
                                     "account of Nordwind GmbH; nothing was imported.")
    assert (StatementFile.objects.count(), BankStatement.objects.count()) == (0, 0)


# --- The page ------------------------------------------------------------------------------------------------

def test_the_page_uploads_and_shows_the_job_then_the_history(client_for, treasury_operator, entity_de, ing_account):
    client = client_for(treasury_operator)
    content = (require_samples() / ING).read_bytes()
    response = client.post("/bank/upload/", {"legal_entity": entity_de.pk,
                                             "files": [SimpleUploadedFile("ing.xml", content)]})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bank/upload/?job={job.pk}"
    page = client.get(response["Location"])
    assert b'class="job-progress card"' in page.content
    assert b'data-upload-status="pending"' in page.content
    assert b'hx-trigger="every 2s"' in page.content  # the history refreshes while a file waits
    job_run(job.pk)
    page = client.get("/bank/upload/", headers={"HX-Request": "true"})
    text = page.content.decode()
    assert 'data-upload-status="imported"' in text
    assert "camt.053: 1 statement imported with 9 entries" in text
    assert "every 2s" not in text
    assert "<html" not in text


def test_the_page_shows_why_an_upload_was_refused(client_for, treasury_operator, entity_de):
    response = client_for(treasury_operator).post("/bank/upload/", {
        "legal_entity": entity_de.pk, "files": [SimpleUploadedFile("photo.png", b"\x89PNG")]})
    assert response.status_code == 400
    assert "Nothing was uploaded. photo.png does not look like a bank file" in response.content.decode()
    assert BankFileUpload.objects.count() == 0


def test_the_history_is_scoped_and_the_form_is_for_importers_only(client_for, treasury_operator, outsider,
                                                                  entity_de, ing_account):
    job_run(bank_files_upload(files=[_sample(ING)], legal_entity=entity_de, actor=treasury_operator).pk)
    outsider_page = client_for(outsider).get("/bank/upload/").content.decode()
    assert "ing-example" not in outsider_page
    assert "No bank files uploaded yet" in outsider_page
    assert 'enctype="multipart/form-data"' not in outsider_page
    assert client_for(outsider).post("/bank/upload/", {"legal_entity": entity_de.pk}).status_code == 403
    operator_page = client_for(treasury_operator).get("/bank/upload/").content.decode()
    assert "iso20022js-ing-example_camt.xml" in operator_page
    assert 'enctype="multipart/form-data"' in operator_page


def test_the_nav_entry_shows_for_roles_that_may_import(client_for, treasury_operator, controller):
    assert b'href="/bank/upload/">Bank files' in client_for(treasury_operator).get("/jobs/").content
    assert b'href="/bank/upload/">Bank files' not in client_for(controller).get("/jobs/").content


def test_the_page_lists_uploads_in_a_fixed_number_of_queries(client_for, treasury_operator, entity_de,
                                                             django_assert_max_num_queries):
    for n in range(5):
        BankFileUpload.objects.create(legal_entity=entity_de, uploaded_by=treasury_operator, filename=f"f{n}.xml",
                                      size=1, sha256="0" * 64, status=UploadStatus.IMPORTED, message="ok")
    client = client_for(treasury_operator)
    client.get("/bank/upload/")
    with django_assert_max_num_queries(8):
        response = client.get("/bank/upload/", headers={"HX-Request": "true"})
    assert response.content.decode().count('data-upload-status="imported"') == 5


# --- The API -------------------------------------------------------------------------------------------------

def test_the_api_uploads_and_lists(client_for, treasury_operator, outsider, entity_de, ing_account):
    client = client_for(treasury_operator)
    content = (require_samples() / ING).read_bytes()
    response = client.post("/api/v1/bank-files/", {"legal_entity": "DE01",
                                                   "files": [SimpleUploadedFile("ing.xml", content)]})
    assert response.status_code == 202
    body = response.json()
    assert body["job_url"] == f"/api/v1/jobs/{body['job']}/"
    assert [(u["filename"], u["status"]) for u in body["uploads"]] == [("ing.xml", "pending")]
    job_run(body["job"])
    listed = client.get("/api/v1/bank-files/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(u["status"], u["statements_created"], u["entries"]) for u in rows] == [("imported", 1, 9)]
    outsider_rows = client_for(outsider).get("/api/v1/bank-files/").json()
    assert (outsider_rows["results"] if isinstance(outsider_rows, dict) else outsider_rows) == []


def test_the_api_refuses_other_entities_and_roles(client_for, outsider, controller, entity_de):
    as_outsider = client_for(outsider).post("/api/v1/bank-files/", {
        "legal_entity": "DE01", "files": [SimpleUploadedFile("a.xml", DTD_FILE)]})
    assert as_outsider.status_code == 400
    assert as_outsider.json() == {"legal_entity": ["Unknown legal entity."]}
    as_controller = client_for(controller).post("/api/v1/bank-files/", {
        "legal_entity": "DE01", "files": [SimpleUploadedFile("a.xml", DTD_FILE)]})
    assert as_controller.status_code == 403
    assert BankFileUpload.objects.count() == 0


def test_a_payment_status_report_is_applied_and_another_entitys_is_refused(treasury_operator, entity_de, entity_us):
    from apps.treasury.choices import BatchStatus, PaymentStatus
    from apps.treasury.models import PaymentInstruction
    from tests.treasury.factories import creditor_iban, pain002, released_batch, supplier

    account = company_account(entity_de, iban=DEBTOR_IBAN)
    acme = supplier(entity_de, "V00001", "Acme Industrial GmbH", creditor_iban(1))
    released_batch(entity_de, account, "B-DE", [("E2E-DE-1", "100.00", acme), ("E2E-DE-2", "50.00", acme)],
                   status=BatchStatus.SENT, payment_status=PaymentStatus.SENT)
    report = pain002("B-DE", [("E2E-DE-1", "ACSC", None, None), ("E2E-DE-2", "RJCT", "AC04", "Account closed")])
    job = bank_files_upload(files=[IncomingFile("sts.xml", report)], legal_entity=entity_de, actor=treasury_operator)
    job_run(job.pk)
    upload = BankFileUpload.objects.get(job=job)
    assert (upload.status, upload.format, upload.entries, upload.exceptions_raised) == (
        UploadStatus.IMPORTED, "pain.002", 2, 1)
    assert upload.message == "Payment status report for B-DE: 1 accepted, 1 rejected, 0 matching no payment."
    assert dict(PaymentInstruction.objects.values_list("end_to_end_id", "status")) == {
        "E2E-DE-1": PaymentStatus.ACCEPTED, "E2E-DE-2": PaymentStatus.REJECTED}

    treasury_operator.entity_memberships.create(legal_entity=entity_us)
    treasury_operator.__dict__.pop("_finsync_entity_ids", None)  # the per-request cache of the user's entities
    again = bank_files_upload(files=[IncomingFile("sts2.xml", pain002("B-DE", [("E2E-DE-1", "RJCT", "AC04", None)],
                                                                      message_id="STS-2"))],
                              legal_entity=entity_us, actor=treasury_operator)
    job_run(again.pk)
    refused = BankFileUpload.objects.get(job=again)
    assert refused.status == UploadStatus.FAILED
    assert refused.message.startswith("The payment status report answers payments that are not payments of "
                                      "Nordwind Inc.; nothing was imported.")
    assert PaymentInstruction.objects.get(end_to_end_id="E2E-DE-1").status == PaymentStatus.ACCEPTED
