"""Recognising formats and the single entry point parse_statement_file."""

from __future__ import annotations

import pytest

from apps.banking.formats.detect import detect_format, parse_statement_file
from apps.banking.formats.errors import FormatError
from tests.samples import facts, require_samples, sample_files

STATEMENT_FOLDERS = ("camt052", "camt053", "camt054", "mt940", "bai2")
ALL_FILES = [name for folder in (*STATEMENT_FOLDERS, "pain001", "pain002") for name in sample_files(folder)]


def _expected_kind(name: str) -> str:
    folder = name.split("/")[0]
    if folder.startswith("camt"):
        return f"camt.{folder[4:]}"
    if folder == "mt940":
        statements = facts()[name]["statements"]
        return "mt942" if statements and statements[0]["type"] == "MT942" else "mt940"
    if folder.startswith("pain"):
        return f"pain.{folder[4:]}"
    return folder


# Files whose first bytes are not a statement at all: BAI2's deliberately broken "00," header and
# a file of line numbers. Their refusal reason is the generic one.
UNRECOGNISABLE = {"bai2/moov-sample-parseError.txt", "mt940/wolph-self-provided-invalid_statement.sta"}


@pytest.mark.samples
@pytest.mark.parametrize("name", ALL_FILES)
def test_every_sample_is_recognised(name):
    head = (require_samples() / name).read_bytes()[:65536]

    if name in UNRECOGNISABLE:
        with pytest.raises(FormatError, match="not a recognised bank statement format"):
            detect_format(head)
    else:
        assert detect_format(head) == _expected_kind(name)


@pytest.mark.samples
@pytest.mark.parametrize("name", [n for f in STATEMENT_FOLDERS for n in sample_files(f)])
def test_parse_statement_file_reads_or_refuses_with_the_filename(name):
    path = require_samples() / name
    try:
        parsed = parse_statement_file(path)
    except FormatError as error:
        refused = error
    else:
        assert parsed.format == _expected_kind(name)
        assert len(parsed.statements) >= 1
        return
    assert refused.filename == path.name
    assert refused.reason


def test_payment_files_are_not_statements():
    with pytest.raises(FormatError, match=r"payment file \(pain.002\)") as refused:
        parse_statement_file(b"<Document><CstmrPmtStsRpt/></Document>", filename="status.xml")

    assert refused.value.filename == "status.xml"
    assert str(refused.value).startswith("status.xml: ")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (
            b"\xef\xbb\xbf<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.054.001.08'>",
            "camt.054",
        ),
        (b"<ns:Document xmlns:ns='x'><ns:BkToCstmrStmt>", "camt.053"),
        (b"<Document><BkToCstmrAcctRptV01>", "camt.052"),
        (b"{1:F01BANK}{2:O942BANK}{4:\r\n:20:X\r\n", "mt942"),
        (b":20:REF\r\n:25:ACC\r\n:28C:1\r\n", "mt940"),
        (b"\r\n01,SENDER,RECEIVER,240101,0800,1,,,2/", "bai2"),
    ],
)
def test_detect_format(head, kind):
    assert detect_format(head) == kind


@pytest.mark.parametrize("head", [b"", b"%PDF-1.7", b"<html></html>", b"hello,world", b"\x00\xff\xfe"])
def test_unknown_formats_are_refused(head):
    with pytest.raises(FormatError, match="not a recognised bank statement format"):
        detect_format(head)


def test_size_limit_is_checked_first(tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 3000)

    with pytest.raises(FormatError, match="larger than the 0.00 MB limit") as refused:
        parse_statement_file(big, max_bytes=2000)

    assert refused.value.filename == "big.xml"


def test_missing_file_is_a_format_error(tmp_path):
    with pytest.raises(FormatError, match="could not be opened"):
        parse_statement_file(tmp_path / "nope.sta")
