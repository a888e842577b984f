"""Hostile bank files through the HTTP upload paths (the page and the API): refused with the reason, no statement
stored, no 5xx, nothing of the attacked file (e.g. /etc/passwd) echoed in answers, results or exceptions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from apps.banking.choices import UploadStatus
from apps.banking.models import BankFileUpload, BankStatement, StatementLine
from apps.exceptions.models import ExceptionCase
from apps.jobs.models import Job
from apps.jobs.services import job_run
from apps.treasury.models import PaymentStatusEvent
from tests.treasury.factories import DEBTOR_IBAN, Entry, Statement, camt053

CAMT = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>{}</BkToCstmrStmt></Document>'
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       + CAMT.format("&xxe;")).encode()
_NESTED = "".join('<!ENTITY lol%d "%s">' % (n, f"&lol{n - 1};" * 10) for n in range(1, 10))  # noqa: UP031
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + _NESTED + "]>\n"
          + CAMT.format("&lol9;")).encode()
EXTERNAL_DTD = ('<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
                + CAMT.format("")).encode()
# A declaration pushed past the first 64 KB that are scanned before parsing.
LATE_DTD = b"<?xml version=\"1.0\"?>\n<!--" + b"x" * 70_000 + b"-->\n" + XXE.split(b"\n", 1)[1]
MT940 = (":20:STMT-1\r\n:25:" + DEBTOR_IBAN + "\r\n:28C:1/1\r\n:60F:C261120EUR1000,00\r\n"
         ":61:2611201120D100,00NTRFNONREF\r\n:86:Rent\r\n:62F:C261120EUR900,00\r\n-\r\n")
LEAKS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin", "lollollol")
# Every refusal names its reason in plain words.
DECLARATION = "the file contains a DOCTYPE or entity declaration"
UNREADABLE = "not a bank statement or payment status report we can read"

HOSTILE_XML = {
    "xxe.xml": XXE,
    "laughs.xml": LAUGHS,
    "external-dtd.xml": EXTERNAL_DTD,
    "utf16-xxe.xml": XXE.decode().replace('<?xml version="1.0"?>\n', "").encode("utf-16-le"),  # no BOM, no declaration
}
REFUSED_AT_ONCE = {
    # The root element comes after the DOCTYPE, so a declaration hidden behind 64 KB hides the format too.
    "late-dtd.xml": (LATE_DTD, UNREADABLE),
    "statement.sta": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", UNREADABLE),
    "statement.940": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, UNREADABLE),
    # UTF-16 with a byte-order mark but no XML declaration: not read as anything.
    "statement.xml": (camt053([Statement("S1", DEBTOR_IBAN, "0", "0", [])]).decode().encode("utf-16"), UNREADABLE),
    "statement.exe": (b"MZ\x90\x00\x03\x00\x00\x00", "files ending in .exe are not accepted"),
}


def _stored():
    return (BankStatement.objects.count(), StatementLine.objects.count(), PaymentStatusEvent.objects.count())


def _page_upload(client, entity, name, content):
    return client.post("/bank/upload/", {"legal_entity": entity.pk, "files": [SimpleUploadedFile(name, content)]})


def _api_upload(client, entity, name, content):
    return client.post("/api/v1/bank-files/", {"legal_entity": entity.code,
                                               "files": [SimpleUploadedFile(name, content)]})


def _assert_no_leak(*texts: str) -> None:
    for text in texts:
        for leak in LEAKS:
            assert leak not in text


def _run_jobs() -> None:
    for job in Job.objects.filter(kind="banking.import_files").order_by("id"):
        job_run(job.pk)


@pytest.mark.parametrize("upload", [_page_upload, _api_upload], ids=["page", "api"])
@pytest.mark.parametrize("name", list(HOSTILE_XML))
def test_hostile_xml_is_refused_with_its_reason_and_stores_no_statement(client_for, treasury_operator, entity_de,
                                                                        upload, name):
    client = client_for(treasury_operator)
    before = _stored()

    response = upload(client, entity_de, name, HOSTILE_XML[name])
    assert response.status_code in (202, 302)
    _run_jobs()

    result = BankFileUpload.objects.get()
    assert result.status == UploadStatus.FAILED
    assert DECLARATION in result.message
    assert _stored() == before
    assert not result.chunks.exists()  # the pending copy is dropped once processed
    history = client.get("/bank/upload/").content.decode()
    listed = client.get("/api/v1/bank-files/").content.decode()
    assert DECLARATION in history
    cases = " ".join(ExceptionCase.objects.values_list("message", flat=True))
    _assert_no_leak(response.content.decode(), history, listed, result.message, cases)


@pytest.mark.parametrize("upload", [_page_upload, _api_upload], ids=["page", "api"])
@pytest.mark.parametrize("name", list(REFUSED_AT_ONCE))
def test_misnamed_or_foreign_files_are_refused_before_anything_is_stored(client_for, treasury_operator, entity_de,
                                                                         upload, name):
    content, reason = REFUSED_AT_ONCE[name]
    response = upload(client_for(treasury_operator), entity_de, name, content)

    assert response.status_code == 400
    assert reason in response.content.decode()
    _assert_no_leak(response.content.decode())
    assert (BankFileUpload.objects.count(), Job.objects.count()) == (0, 0)
    assert _stored() == (0, 0, 0)


@override_settings(FINSYNC_UPLOAD_MAX_BYTES=2048)
@pytest.mark.parametrize("upload", [_page_upload, _api_upload], ids=["page", "api"])
def test_an_oversized_file_is_refused_with_the_limit_and_nothing_is_stored(client_for, treasury_operator, entity_de,
                                                                          upload):
    big = camt053([Statement("S1", DEBTOR_IBAN, "0", "0", [Entry("1.00")] * 40)])
    assert len(big) > 2048

    response = upload(client_for(treasury_operator), entity_de, "big.xml", big)

    assert response.status_code == 400
    assert "more than the 2 KB an upload may have" in response.content.decode()
    assert (BankFileUpload.objects.count(), Job.objects.count()) == (0, 0)
    assert _stored() == (0, 0, 0)



@pytest.mark.parametrize("upload", [_page_upload, _api_upload], ids=["page", "api"])
def test_an_mt940_named_xml_is_read_by_its_content_not_its_name(client_for, treasury_operator, entity_de, upload):
    response = upload(client_for(treasury_operator), entity_de, "statement.xml", MT940.encode())
    assert response.status_code in (202, 302)
    _run_jobs()

    result = BankFileUpload.objects.get()
    assert (result.format, result.status) == ("mt940", UploadStatus.FAILED)  # not "already imported"
    assert "not well-formed XML" not in result.message
    assert "1 statement for an account that is not set up" in result.message  # no account here: nothing stored
    assert _stored() == (0, 0, 0)


@pytest.mark.parametrize("upload", [_page_upload, _api_upload], ids=["page", "api"])
def test_an_mt940_in_undeclared_utf16_is_a_business_exception_naming_the_reason(client_for, treasury_operator,
                                                                                entity_de, upload):
    response = upload(client_for(treasury_operator), entity_de, "statement.sta", MT940.encode("utf-16-le"))
    assert response.status_code in (202, 302)
    _run_jobs()

    result = BankFileUpload.objects.get()
    assert result.status == UploadStatus.FAILED
    assert "no MT940/MT942 statement found" in result.message
    assert ExceptionCase.objects.get().kind == "statement.unreadable"
    assert _stored() == (0, 0, 0)
