"""statement_import: one transaction per file, idempotent, checked, with cash positions and evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.audit.models import AuditEvent
from apps.banking import services as banking_services
from apps.banking.choices import FileChannel, StatementKind
from apps.banking.formats import FormatError
from apps.banking.models import BankStatement, StatementFile, StatementLine
from apps.banking.services import statement_file_content, statement_import
from apps.exceptions.models import ExceptionCase
from apps.treasury.choices import CashPositionKind
from apps.treasury.models import CashPosition
from tests.treasury.factories import (
    DEBTOR_IBAN,
    OTHER_IBAN,
    Entry,
    Statement,
    camt052,
    camt053,
    company_account,
    month_periods,
)

UNKNOWN_IBAN = "NL91ABNA0417164300"


@pytest.fixture
def account(entity_de):
    month_periods(entity_de, 2026)
    return company_account(entity_de, iban=DEBTOR_IBAN)


def _import(content: bytes, filename: str = "stmt.xml", **kwargs):
    kwargs.setdefault("channel", FileChannel.UPLOAD)
    return statement_import(content=content, filename=filename, **kwargs)


def _day(n: int, opening: str, closing: str, entries: list[Entry], seq: int | None = None, sid: str | None = None):
    day = f"2026-11-{n:02d}"
    for entry in entries:
        entry.booking_date = day
    return Statement(sid or f"STMT-{n}", DEBTOR_IBAN, opening, closing, entries, sequence=str(seq or n), day=day)


def _counts() -> tuple[int, int, int, int, int]:
    return (StatementFile.objects.count(), BankStatement.objects.count(), StatementLine.objects.count(),
            CashPosition.objects.count(), ExceptionCase.objects.count())


def test_import_stores_file_statement_lines_position_and_audit(account, entity_de):
    content = camt053([_day(20, "1000.00", "850.50", [
        Entry("200.00", end_to_end_id="E2E-1", counterparty="Acme GmbH", counterparty_iban=OTHER_IBAN,
              remittance="Invoice 42"),
        Entry("50.50", credit_debit="CRDT", counterparty="Customer AG")])])

    result = _import(content)

    assert (result.format, result.created, result.duplicates, result.unknown_accounts) == ("camt.053", 1, 0, 0)
    assert result.exceptions == []
    statement = BankStatement.objects.get()
    assert (statement.bank_account, statement.legal_entity, statement.kind, statement.statement_id) == (
        account, entity_de, StatementKind.BOOKED, "STMT-20")
    assert (statement.opening_balance, statement.closing_balance, statement.to_date, statement.sequence_number) == (
        Decimal("1000.00"), Decimal("850.50"), date(2026, 11, 20), "20")
    assert statement.source_file == result.statement_file
    lines = list(StatementLine.objects.order_by("line_no").values_list(
        "line_no", "credit_debit", "amount", "end_to_end_id", "counterparty_name", "counterparty_account",
        "remittance_info", "booking_date", "reconciliation_status"))
    assert lines == [
        (1, "DBIT", Decimal("200.00"), "E2E-1", "Acme GmbH", OTHER_IBAN, "Invoice 42", date(2026, 11, 20), "unmatched"),
        (2, "CRDT", Decimal("50.50"), "", "Customer AG", "", "", date(2026, 11, 20), "unmatched")]
    position = CashPosition.objects.get()
    assert (position.kind, position.bank_account, position.legal_entity, position.position_date, position.amount,
            position.currency, position.source_statement) == (
        CashPositionKind.BOOKED, account, entity_de, date(2026, 11, 20), Decimal("850.50"), "EUR", statement)
    assert position.as_of == datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC)
    assert list(AuditEvent.objects.order_by("id").values_list("action", "object_id")) == [
        ("bank_statement.imported", str(statement.pk)), ("statement_file.imported", str(result.statement_file.pk))]
    stored = StatementFile.objects.get()
    assert (statement_file_content(stored), stored.format, stored.channel, stored.filename) == (
        content, "camt.053", "upload", "stmt.xml")


def test_same_file_twice_creates_nothing_and_says_so(account):
    content = camt053([_day(20, "1000.00", "800.00", [Entry("200.00")])])
    _import(content)
    before = _counts()

    again = _import(content)

    assert (again.file_already_received, again.created, again.duplicates) == (True, 0, 1)
    assert again.statements[0].outcome == "duplicate"
    assert _counts() == before


def test_statement_already_imported_in_another_file_is_a_duplicate(account):
    first = camt053([_day(20, "1000.00", "800.00", [Entry("200.00")])], message_id="MSG-A")
    # The bank re-sends the statement together with the next day's, in a new message.
    second = camt053([_day(20, "1000.00", "800.00", [Entry("200.00")]),
                      _day(21, "800.00", "700.00", [Entry("100.00")])], message_id="MSG-B")
    _import(first, "a.xml")

    result = _import(second, "b.xml")

    assert [s.outcome for s in result.statements] == ["duplicate", "created"]
    assert (result.file_already_received, result.created, result.duplicates) == (False, 1, 1)
    assert StatementFile.objects.count() == 2
    assert list(BankStatement.objects.order_by("to_date").values_list("statement_id", flat=True)) == [
        "STMT-20", "STMT-21"]
    assert StatementLine.objects.count() == 2


def test_a_file_whose_second_statement_fails_stores_nothing_of_the_first(account, monkeypatch):
    content = camt053([_day(20, "1000.00", "800.00", [Entry("200.00")]),
                       _day(21, "800.00", "700.00", [Entry("100.00")])])
    real = banking_services._line  # one entry per statement: the second call writes the second statement
    calls = []

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(banking_services, "_line", fail_on_second)

    with pytest.raises(RuntimeError, match="disk full"):
        _import(content)

    assert len(calls) == 2
    assert _counts() == (0, 0, 0, 0, 0)
    assert AuditEvent.objects.count() == 0


def test_unknown_account_keeps_the_file_and_stores_the_known_statement(account):
    content = camt053([Statement("FOREIGN-1", UNKNOWN_IBAN, "10.00", "10.00", day="2026-11-20"),
                       _day(20, "1000.00", "800.00", [Entry("200.00")])])

    result = _import(content, "mixed.xml")

    assert [s.outcome for s in result.statements] == ["unknown_account", "created"]
    assert (result.created, result.duplicates, result.unknown_accounts) == (1, 0, 1)
    case = ExceptionCase.objects.get()
    assert (case.kind, case.severity, case.reference, case.bank_account, case.legal_entity) == (
        "statement.unknown_account", "medium", UNKNOWN_IBAN, None, None)
    assert case.details == {"account": UNKNOWN_IBAN, "currency": "EUR", "statement_id": "FOREIGN-1",
                            "filename": "mixed.xml", "file_id": result.statement_file.pk}
    assert list(BankStatement.objects.values_list("statement_id", flat=True)) == ["STMT-20"]
    assert StatementFile.objects.count() == 1


def test_reimport_after_setting_up_the_account_stores_what_was_skipped(account, entity_de):
    content = camt053([Statement("FOREIGN-1", UNKNOWN_IBAN, "10.00", "10.00", day="2026-11-20")])
    _import(content)
    company_account(entity_de, iban=UNKNOWN_IBAN, name="NL account", bic="ABNANL2AXXX")

    again = _import(content)

    assert (again.file_already_received, again.created, again.duplicates) == (True, 1, 0)
    assert StatementFile.objects.count() == 1
    assert BankStatement.objects.get().bank_account.iban == UNKNOWN_IBAN


def test_continuity_break_raises_with_dimensions(account, entity_de):
    _import(camt053([_day(19, "1000.00", "900.00", [Entry("100.00")], seq=7)]), "d19.xml")

    # Opening 950 is not yesterday's closing 900, and statement 9 does not follow 7.
    result = _import(camt053([_day(20, "950.00", "850.00", [Entry("100.00")], seq=9)]), "d20.xml")

    case = ExceptionCase.objects.get(kind="statement.continuity")
    statement = BankStatement.objects.get(statement_id="STMT-20")
    assert result.exceptions == [case]
    assert (case.bank_account, case.legal_entity, case.period.fiscal_year, case.period.number) == (
        account, entity_de, 2026, 11)
    assert (case.severity, case.reference) == ("high", "STMT-20")
    assert "opening balance 950.00 EUR is not the closing balance 900.00" in case.message
    assert "sequence number 9 does not follow 7" in case.message
    assert case.details["previous_statement_id"] == "STMT-19"
    assert (case.details["opening_balance"], case.details["previous_closing_balance"]) == ("950.00", "900.00")
    assert case.details["statement"] == statement.pk
    assert not ExceptionCase.objects.filter(kind="statement.balance").exists()


def test_consecutive_statements_raise_nothing(account):
    _import(camt053([_day(19, "1000.00", "900.00", [Entry("100.00")], seq=7)]), "d19.xml")

    result = _import(camt053([_day(20, "900.00", "850.00", [Entry("50.00")], seq=8)]), "d20.xml")

    assert result.exceptions == []
    assert ExceptionCase.objects.count() == 0


def test_statement_that_does_not_add_up_raises_balance_exception(account, entity_de):
    result = _import(camt053([_day(20, "1000.00", "800.00", [Entry("150.00"), Entry("10.00", credit_debit="CRDT")])]))

    case = ExceptionCase.objects.get()
    assert result.exceptions == [case]
    assert (case.kind, case.bank_account, case.legal_entity, case.period.number) == (
        "statement.balance", account, entity_de, 11)
    assert {k: case.details[k] for k in ("opening_balance", "credits", "debits", "expected_closing_balance",
                                         "closing_balance", "difference")} == {
        "opening_balance": "1000.00", "credits": "10.00", "debits": "150.00", "expected_closing_balance": "860.00",
        "closing_balance": "800.00", "difference": "-60.00"}
    # The statement is the bank's word: it is stored, and the exception says it does not add up.
    assert BankStatement.objects.count() == 1


def test_intraday_reports_add_positions_as_history(account):
    _import(camt052(DEBTOR_IBAN, "RPT-1", [("ITBD", "500.00", "2026-11-20")], "2026-11-20T10:00:00+00:00"), "r1.xml")
    _import(camt052(DEBTOR_IBAN, "RPT-2", [("ITBD", "420.00", "2026-11-20"), ("ITAV", "400.00", "2026-11-20")],
                    "2026-11-20T14:00:00+00:00"), "r2.xml")

    positions = list(CashPosition.objects.order_by("as_of").values_list("kind", "position_date", "as_of", "amount"))

    assert positions == [
        ("intraday", date(2026, 11, 20), datetime(2026, 11, 20, 10, tzinfo=UTC), Decimal("500.00")),
        ("intraday", date(2026, 11, 20), datetime(2026, 11, 20, 14, tzinfo=UTC), Decimal("420.00"))]
    assert set(BankStatement.objects.values_list("kind", flat=True)) == {StatementKind.INTRADAY}


def test_booked_positions_keep_history_per_day(account):
    _import(camt053([_day(19, "1000.00", "900.00", [Entry("100.00")])]), "d19.xml")
    _import(camt053([_day(20, "900.00", "850.00", [Entry("50.00")])]), "d20.xml")

    assert list(CashPosition.objects.order_by("position_date").values_list("kind", "position_date", "amount")) == [
        ("booked", date(2026, 11, 19), Decimal("900.00")), ("booked", date(2026, 11, 20), Decimal("850.00"))]


def test_dry_run_reports_and_stores_nothing(account):
    content = camt053([_day(20, "1000.00", "850.00", [Entry("100.00")]),
                       Statement("FOREIGN-1", UNKNOWN_IBAN, "1.00", "1.00", day="2026-11-20")])

    result = _import(content, dry_run=True)

    assert (result.dry_run, result.created, result.duplicates, result.unknown_accounts) == (True, 1, 0, 1)
    assert [e.kind for e in result.exceptions] == ["statement.balance", "statement.unknown_account"]
    assert _counts() == (0, 0, 0, 0, 0)
    assert AuditEvent.objects.count() == 0


def test_unreadable_upload_is_kept_as_evidence_with_an_exception(db):
    content = b"this is not a bank statement"

    with pytest.raises(FormatError, match="not a recognised bank statement format") as refused:
        _import(content, "junk.txt")
    with pytest.raises(FormatError):
        _import(content, "junk.txt")

    assert refused.value.filename == "junk.txt"
    evidence = StatementFile.objects.get()
    assert (statement_file_content(evidence), evidence.format, evidence.channel) == (content, "", "upload")
    case = ExceptionCase.objects.get()
    assert (case.kind, case.occurrence_count, case.reference) == ("statement.unreadable", 2, "junk.txt")
    assert case.details["file_id"] == evidence.pk
    assert "not a recognised bank statement format" in case.message
    assert (BankStatement.objects.count(), StatementLine.objects.count(), CashPosition.objects.count()) == (0, 0, 0)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "statement_file.unreadable", "exception.raised"]


def test_unreadable_file_from_the_command_line_stores_nothing(db):
    with pytest.raises(FormatError):
        _import(b"\x00\x01garbage", "junk.bin", channel=FileChannel.COMMAND)

    assert _counts() == (0, 0, 0, 0, 0)


def test_a_payment_file_is_not_a_statement(db):
    with pytest.raises(FormatError, match=r"payment file \(pain.002\), not a bank statement"):
        _import(b'<?xml version="1.0"?><Document><CstmrPmtStsRpt/></Document>', "sts.xml",
                channel=FileChannel.COMMAND)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.binary(max_size=600),
    st.builds(lambda tail: b"<?xml version='1.0'?><Document><BkToCstmrStmt>" + tail, st.binary(max_size=200)),
    st.builds(lambda tail: b":20:REF\n:25:" + tail, st.binary(max_size=200)),
    st.builds(lambda tail: b"01,SENDER,RECV," + tail, st.binary(max_size=200)),
))
def test_random_bytes_raise_format_error_only_and_store_nothing(content):
    before = _counts()
    try:
        result = statement_import(content=content, filename="fuzz.bin", channel=FileChannel.COMMAND)
    except FormatError as error:
        refusal = error
    else:
        refusal = None
    if refusal is not None:
        assert refusal.reason
        assert refusal.filename == "fuzz.bin"
        assert _counts() == before
        return
    # The rare random input that is a readable statement: its accounts are unknown, nothing but the file.
    assert result.created == 0
    assert _counts()[1:4] == before[1:4]


def test_nul_characters_in_a_readable_file_are_dropped(entity_de):
    company_account(entity_de, account_number="12345678/1020304050")
    content = (b":20:STARTUMS\r\n:25:12345678/1020304050\r\n:28C:1/1\r\n:60F:C250101EUR100,00\r\n"
               b":61:2501020102D5,00NTRFNONREF//B2\r\n:86:Miete\x00Januar\r\n:62F:C250102EUR95,00\r\n-")

    result = _import(content, "nul.sta")

    assert result.created == 1
    assert "\x00" not in StatementLine.objects.get().remittance_info
    assert "Januar" in StatementLine.objects.get().remittance_info
