"""statement_import streams: lines written in batches while the file is read, the file kept in chunks, one
transaction per file all the same, and Python memory far below the file size."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal

import pytest

from apps.banking import filestore
from apps.banking import services as banking_services
from apps.banking.choices import FileChannel
from apps.banking.formats import FormatError, parse_statement_file
from apps.banking.models import BankStatement, StatementFile, StatementFileChunk, StatementLine
from apps.banking.services import _statement_key, statement_file_content, statement_import
from apps.exceptions.models import ExceptionCase
from tests.treasury.factories import DEBTOR_IBAN, Entry, Statement, camt053, company_account, month_periods

BIG_ENTRIES = 2_500
# ~16 KB of detail per entry that is not kept (a postal address, repeated), so the file is ~40 MB while the
# entries stay few: tracemalloc makes every Python allocation slow.
_ADDRESS = "".join(f"<AdrLine>Industriestrasse {i} building {i} floor {i} room {i} c/o treasury</AdrLine>"
                   for i in range(14)) * 16


@pytest.fixture
def account(entity_de):
    month_periods(entity_de, 2026)
    return company_account(entity_de, iban=DEBTOR_IBAN)


def _entries(n: int) -> list[Entry]:
    return [Entry(f"{i}.00", credit_debit="CRDT" if i % 2 else "DBIT", end_to_end_id=f"E2E-{i}")
            for i in range(1, n + 1)]


def _statement(entries: list[Entry], sid: str = "STMT-1") -> Statement:
    credits = sum(Decimal(e.amount) for e in entries if e.credit_debit == "CRDT")
    debits = sum(Decimal(e.amount) for e in entries if e.credit_debit == "DBIT")
    return Statement(sid, DEBTOR_IBAN, "1000.00", f"{Decimal('1000.00') + credits - debits:.2f}", entries,
                     sequence="1")


def test_lines_are_written_in_batches_in_file_order_and_the_balance_check_holds(account, monkeypatch, tmp_path):
    monkeypatch.setattr(banking_services, "LINE_BATCH", 2)
    inserts = []
    real = StatementLine.objects.bulk_create
    monkeypatch.setattr(StatementLine.objects, "bulk_create", lambda lines, **kw: inserts.append(len(lines)) or
                        real(lines, **kw))
    path = tmp_path / "stmt.xml"
    path.write_bytes(camt053([_statement(_entries(5))]))

    result = statement_import(path=path, filename="stmt.xml", channel=FileChannel.UPLOAD)

    assert inserts == [2, 2, 1]
    assert (result.created, result.entries_created) == (1, 5)
    assert list(StatementLine.objects.order_by("line_no").values_list("line_no", "amount", "end_to_end_id")) == [
        (n, Decimal(n), f"E2E-{n}") for n in range(1, 6)]
    assert not ExceptionCase.objects.exists()  # opening + credits − debits = closing, computed on the way
    assert result.as_json()["statements"][0] == {
        "account": DEBTOR_IBAN, "currency": "EUR", "opening_balance": "1000.00", "closing_balance": "1003.00",
        "entries": 5, "credits": "9.00", "debits": "6.00"}


def test_a_bad_entry_after_lines_were_written_rolls_the_whole_file_back_and_keeps_the_evidence(account, monkeypatch):
    monkeypatch.setattr(banking_services, "LINE_BATCH", 2)
    good = camt053([_statement(_entries(5))])
    assert good.count(b">5.00</Amt>") == 1
    bad = good.replace(b">5.00</Amt>", b">-5.00</Amt>")  # the last entry, after two batches were written

    with pytest.raises(FormatError, match="entry 5 has a negative amount"):
        statement_import(content=bad, filename="bad.xml", channel=FileChannel.UPLOAD)

    assert (BankStatement.objects.count(), StatementLine.objects.count()) == (0, 0)
    evidence = StatementFile.objects.get()
    assert (evidence.format, statement_file_content(evidence)) == ("", bad)
    assert list(ExceptionCase.objects.values_list("kind", flat=True)) == ["statement.unreadable"]


def test_the_file_is_kept_in_chunks_that_add_up_to_its_bytes(account, monkeypatch, tmp_path):
    monkeypatch.setattr(filestore, "CHUNK_BYTES", 100)
    content = camt053([_statement(_entries(3))])
    path = tmp_path / "stmt.xml"
    path.write_bytes(content)

    result = statement_import(path=path, filename="stmt.xml", channel=FileChannel.COMMAND)

    chunks = list(StatementFileChunk.objects.filter(file=result.statement_file).values_list("number", "data"))
    assert [n for n, _ in chunks] == list(range(-(-len(content) // 100)))
    assert all(len(data) == 100 for _, data in chunks[:-1])
    assert statement_file_content(result.statement_file) == content
    assert result.statement_file.size == len(content)


def test_a_statement_without_id_gets_the_same_key_streamed_and_is_a_duplicate_the_second_time(account):
    content = camt053([_statement(_entries(3), sid="")])
    whole = parse_statement_file(content).statements[0]

    first = statement_import(content=content, filename="a.xml", channel=FileChannel.COMMAND)
    again = statement_import(content=content + b"\n", filename="b.xml", channel=FileChannel.COMMAND)

    assert first.statements[0].statement.statement_id == _statement_key("camt.053", whole)
    assert (first.created, again.created, again.duplicates) == (1, 0, 1)
    assert again.statements[0].statement_key == first.statements[0].statement_key
    assert (BankStatement.objects.count(), StatementLine.objects.count(), StatementFile.objects.count()) == (1, 3, 2)


def test_dry_run_streams_and_stores_nothing(account, tmp_path):
    path = tmp_path / "stmt.xml"
    path.write_bytes(camt053([_statement(_entries(4))]))

    result = statement_import(path=path, filename="stmt.xml", channel=FileChannel.COMMAND, dry_run=True)

    assert (result.created, result.statements[0].entry_count) == (1, 4)
    assert (StatementFile.objects.count(), StatementFileChunk.objects.count(), BankStatement.objects.count(),
            StatementLine.objects.count()) == (0, 0, 0, 0)


def _write_big(path) -> Decimal:
    credits = Decimal(0)
    with path.open("w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>'
                     '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
                     "<GrpHdr><MsgId>BIG</MsgId><CreDtTm>2026-11-20T10:00:00Z</CreDtTm></GrpHdr>"
                     f"<Stmt><Id>BIG-1</Id><Acct><Id><IBAN>{DEBTOR_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n")
        for n in range(BIG_ENTRIES):
            amount = Decimal(n % 1000) + Decimal("0.25")
            credits += amount
            handle.write(f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
                         "<BookgDt><Dt>2026-11-20</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>"
                         f"E2E{n}</EndToEndId></Refs><RltdPties><Dbtr><Nm>Debtor {n}</Nm><PstlAdr>{_ADDRESS}"
                         "</PstlAdr></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry>\n")
        handle.write("</Stmt></BkToCstmrStmt></Document>")
    return credits


def test_python_memory_of_an_import_stays_far_below_the_file_size(account, tmp_path):
    """The old import held the file's bytes, every parsed entry and every line object: more than the file."""
    path = tmp_path / "big.xml"
    credits = _write_big(path)
    size = path.stat().st_size
    assert size > 35 * 1024 * 1024

    tracemalloc.start()
    try:
        result = statement_import(path=path, filename="big.xml", channel=FileChannel.COMMAND)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (result.created, result.statements[0].entry_count, result.statements[0].credits) == (
        1, BIG_ENTRIES, credits)
    assert StatementLine.objects.count() == BIG_ENTRIES
    assert statement_file_content(result.statement_file) == path.read_bytes()
    assert peak < size / 3, f"peak {peak / 1e6:.1f} MB of Python allocations for a {size / 1e6:.1f} MB file"
