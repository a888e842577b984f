"""camt.052/053/054 against the independently derived FACTS.json, plus field-level rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.banking.formats.camt import parse_camt
from apps.banking.formats.errors import FormatError
from tests.samples import facts, require_samples, sample_files

CAMT_FILES = sample_files("camt052") + sample_files("camt053") + sample_files("camt054")

# Broken on purpose in the source project (SOURCES.md): a camt.053 with a group header and no
# statement. ISO 20022 requires at least one Stmt, so the file is refused, not read as "empty".
REFUSED = {"camt053/genkgo-camt053.v2.wrong.xml": "contains no statement"}

# camt.052.001.01 identifies the account as Id/PrtryAcct/Id; FACTS only looked at IBAN and Othr/Id
# and reports None. We keep the identifier as written, which is what a person would match on.
ACCOUNT_NOT_IN_FACTS = {"camt052/genkgo-camt052.v1.xml": "CH2801234000123456789"}


def _balance(fact: dict | None) -> tuple | None:
    return None if fact is None else (Decimal(fact["amount"]), fact["ccy"], date.fromisoformat(fact["date"][:10]))


def _ours(balance) -> tuple | None:
    return None if balance is None else (balance.amount, balance.currency, balance.date)


@pytest.mark.samples
@pytest.mark.parametrize("name", CAMT_FILES)
def test_camt_sample_matches_facts(name):
    path = require_samples() / name
    expected = facts()[name]
    if name in REFUSED:
        with pytest.raises(FormatError, match=REFUSED[name]):
            parse_camt(path)
        return

    parsed = parse_camt(path)

    assert parsed.format == expected["message"][:8]
    assert parsed.version == expected["message"]
    assert len(parsed.statements) == expected["n_statements"]
    assert parsed.entry_count == expected["n_entries"]
    for ours, fact in zip(parsed.statements, expected["statements"], strict=True):
        assert ours.statement_id == fact["id"]
        assert ours.account == (fact["account"] or ACCOUNT_NOT_IN_FACTS.get(name))
        assert ours.account_currency == fact["account_ccy"]
        assert _ours(ours.opening_balance) == _balance(fact["opening"])
        assert _ours(ours.closing_balance) == _balance(fact["closing"])
        assert sorted((b.type_code, b.amount, b.currency) for b in ours.balances) == sorted(
            (code, Decimal(b["amount"]), b["ccy"]) for code, items in fact["balances"].items() for b in items
        )
        assert ours.entry_count == fact["entries"]
        assert sum(e.credit_debit == "CRDT" for e in ours.entries) == fact["credit_entries"]
        assert sum(e.credit_debit == "DBIT" for e in ours.entries) == fact["debit_entries"]
        assert ours.sum_credits == Decimal(fact["sum_credits"])
        assert ours.sum_debits == Decimal(fact["sum_debits"])
        assert sorted({e.currency for e in ours.entries}) == sorted(fact["entry_currencies"])
        assert sum(e.reversal for e in ours.entries) == fact["reversal_entries"]
        _assert_stated_totals(ours.stated_totals, fact["checks"])


def _assert_stated_totals(totals, checks: dict) -> None:
    """The TxsSummry the file states, read back exactly as FACTS read it."""
    pairs = {
        "TtlNtries": ("entry_count", None),
        "TtlCdtNtries": ("credit_count", "credit_sum"),
        "TtlDbtNtries": ("debit_count", "debit_sum"),
    }
    for key, (count_field, sum_field) in pairs.items():
        if key not in checks:
            continue
        stated = checks[key]
        assert totals is not None
        expected_count = int(stated["NbOfNtries"]) if stated["NbOfNtries"] else None
        assert getattr(totals, count_field) == expected_count
        if sum_field:
            expected_sum = Decimal(stated["Sum"]) if stated["Sum"] else None
            assert getattr(totals, sum_field) == expected_sum


@pytest.mark.samples
def test_opening_falls_back_to_previous_closing_when_no_opbd():
    """ABN AMRO sends PRCD but no OPBD: PRCD is the opening balance."""
    statement = parse_camt(require_samples() / "camt053/iso20022js-abnamro-example_camt.xml").statements[0]

    assert statement.opening_balance.type_code == "PRCD"
    assert statement.opening_balance.amount == Decimal("1000.01")
    assert statement.available_balance.type_code == "CLAV"


@pytest.mark.samples
def test_opbd_wins_over_prcd_when_both_are_present():
    statement = parse_camt(require_samples() / "camt053/iso20022js-ing-example_camt.xml").statements[0]

    assert statement.opening_balance.type_code == "OPBD"


@pytest.mark.samples
def test_debit_balance_is_negative_and_intraday_balances_are_listed():
    minimal = parse_camt(require_samples() / "camt053/genkgo-camt053.v2.minimal.xml").statements[0]
    report = parse_camt(require_samples() / "camt052/moov-FI_camt_052_sample.xml.xml").statements[1]

    assert minimal.closing_balance.amount == Decimal("-27.00")
    assert minimal.available_balance.amount == Decimal("-2700")
    assert [b.amount for b in report.intraday_balances] == [Decimal("1000.00"), Decimal("1100.00")]


@pytest.mark.samples
def test_v8_status_code_and_uetr():
    entry = parse_camt(require_samples() / "camt054/genkgo-camt054.v8-with-UETR.xml").statements[0].entries[0]

    assert (entry.credit_debit, entry.status) == ("DBIT", "BOOK")  # v8 writes <Sts><Cd>BOOK</Cd></Sts>
    assert entry.uetr == "255ae394-9965-4438-ac86-f406feada396"


@pytest.mark.samples
def test_v1_entry_with_datetime_booking_date():
    entry = parse_camt(require_samples() / "camt052/genkgo-camt052.v1.xml").statements[0].entries[0]

    assert (entry.amount, entry.currency, entry.status) == (Decimal("200000"), "SEK", "BOOK")
    assert entry.booking_date == date(2007, 10, 18)  # <BookgDt><DtTm>
    assert entry.bank_reference == "AAAASESS-FP-ACCR-01"
    assert entry.bank_transaction_code == "PAYM/0001/0003"


def test_v8_party_nesting():
    parties = (
        "<RltdPties><Dbtr><Pty><Nm>Debtor AG</Nm></Pty></Dbtr>"
        "<Cdtr><Pty><Nm>Creditor AG</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>CH9300762011623852957</IBAN></Id></CdtrAcct>"
        "</RltdPties><RltdAgts><CdtrAgt><FinInstnId><BICFI>UBSWCHZH80A</BICFI></FinInstnId></CdtrAgt></RltdAgts>"
    )
    xml = _camt(
        '<Ntry><Amt Ccy="CHF">5</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>'
        f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E</EndToEndId></Refs>{parties}</TxDtls></NtryDtls></Ntry>",
        "camt.053.001.08",
    )

    entry = parse_camt(xml).statements[0].entries[0]

    assert entry.status == "PDNG"
    assert (entry.counterparty_name, entry.counterparty_account, entry.counterparty_bic) == (
        "Creditor AG",
        "CH9300762011623852957",
        "UBSWCHZH80A",
    )
    assert entry.end_to_end_id == "E2E"


def _camt(entry_xml: str, ns: str = "camt.053.001.02") -> bytes:
    return f"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{ns}"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-05-01T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{entry_xml}</Stmt>
</BkToCstmrStmt></Document>""".encode()


def test_entry_fields_from_transaction_details():
    xml = _camt("""<Ntry><Amt Ccy="EUR">12.30</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>
      <Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>2024-05-01T23:30:00+02:00</DtTm></BookgDt><ValDt><Dt>2024-05-02</Dt></ValDt>
      <AcctSvcrRef>BANKREF</AcctSvcrRef>
      <BkTxCd><Prtry><Cd>NTRF+166</Cd></Prtry></BkTxCd>
      <NtryDtls><TxDtls><Refs><InstrId>INSTR</InstrId><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <RltdPties><Dbtr><Nm>Payer Ltd</Nm></Dbtr><DbtrAcct><Id><Othr><Id>12345</Id></Othr></Id></DbtrAcct>
        <Cdtr><Nm>Us</Nm></Cdtr></RltdPties>
        <RltdAgts><DbtrAgt><FinInstnId><BIC>DEUTDEFF</BIC></FinInstnId></DbtrAgt></RltdAgts>
        <RmtInf><Ustrd>Invoice 1</Ustrd><Ustrd>and 2</Ustrd>
          <Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
      </TxDtls></NtryDtls><AddtlNtryInf>Gutschrift</AddtlNtryInf></Ntry>""")

    parsed = parse_camt(xml)
    entry = parsed.statements[0].entries[0]

    assert parsed.created_at.utcoffset().total_seconds() == 0  # no offset in the file: read as UTC
    assert entry.reversal is True
    assert entry.booking_date == date(2024, 5, 1)  # the date as written, in its own offset
    assert entry.value_date == date(2024, 5, 2)
    assert entry.bank_reference == "BANKREF"
    assert entry.end_to_end_id is None  # NOTPROVIDED means none
    assert entry.instruction_id == "INSTR"
    assert (entry.counterparty_name, entry.counterparty_account, entry.counterparty_bic) == (
        "Payer Ltd",
        "12345",
        "DEUTDEFF",
    )
    assert entry.remittance_info == "Invoice 1 and 2 RF18539007547034"
    assert entry.bank_transaction_code == "NTRF+166"
    assert entry.additional_info == "Gutschrift"


def test_batch_entry_has_no_single_counterparty_but_keeps_all_remittance():
    detail = "<TxDtls><RltdPties><Cdtr><Nm>{0}</Nm></Cdtr></RltdPties><RmtInf><Ustrd>{0}</Ustrd></RmtInf></TxDtls>"
    xml = _camt(
        '<Ntry><Amt Ccy="EUR">3</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><NtryDtls>'
        + detail.format("A")
        + detail.format("B")
        + "</NtryDtls></Ntry>"
    )

    entry = parse_camt(xml).statements[0].entries[0]

    assert entry.counterparty_name is None
    assert entry.remittance_info == "A B"


@pytest.mark.parametrize(
    ("entry_xml", "reason"),
    [
        ('<Ntry><Amt Ccy="EUR">abc</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', "not a number"),
        ('<Ntry><Amt Ccy="EUR">-1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', "negative"),
        ('<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>XXX</CdtDbtInd></Ntry>', "neither credit nor debit"),
        (
            '<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><ValDt><Dt>2024-02-30</Dt></ValDt></Ntry>',
            "not a valid date",
        ),
        ("<Bal><Amt>1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>", "balance without a type code"),
    ],
)
def test_malformed_values_are_refused_with_a_reason(entry_xml, reason):
    with pytest.raises(FormatError, match=reason):
        parse_camt(_camt(entry_xml))


def test_other_xml_is_not_camt():
    with pytest.raises(FormatError, match="not a camt"):
        parse_camt(b"<Document xmlns='urn:x'><Other><GrpHdr/></Other></Document>")
    with pytest.raises(FormatError, match="no group header"):
        parse_camt(b"<root/>")


def test_namespace_version_is_not_hard_coded():
    parsed = parse_camt(_camt('<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', "camt.053.001.13"))

    assert (parsed.format, parsed.version, parsed.entry_count) == ("camt.053", "camt.053.001.13", 1)
