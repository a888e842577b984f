"""pain.001: reading the samples against FACTS.json, and building SEPA files that the XSD accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.banking.formats.errors import FormatError
from apps.banking.formats.pain001 import (
    VERSIONS,
    XSD_DIR,
    CreditTransferInput,
    PaymentFileInput,
    build_pain001,
    parse_pain001,
    validate_pain001,
)
from tests.samples import facts, require_samples, sample_files

# Goldman Sachs publishes templates whose execution date is the placeholder "YYYY-MM-DD". FACTS only
# counts and sums them; a payment file without a real execution date is refused, never guessed.
REFUSED = {
    "pain001/iso20022js-goldman_sachs-pain_001_ach_credit.xml": "date is not a date: 'YYYY-MM-DD'",
    "pain001/iso20022js-goldman_sachs-pain_001_v3_sepa.xml": "date is not a date: 'YYYY-MM-DD'",
}


@pytest.mark.samples
@pytest.mark.parametrize("name", sample_files("pain001"))
def test_pain001_sample_matches_facts(name):
    expected = facts()[name]
    if name in REFUSED:
        with pytest.raises(FormatError, match=REFUSED[name]):
            parse_pain001(require_samples() / name)
        return

    parsed = parse_pain001(require_samples() / name)

    assert parsed.message_id == expected["MsgId"]
    assert parsed.stated_number_of_transactions == int(expected["stated_NbOfTxs"])
    assert parsed.stated_control_sum == (Decimal(expected["stated_CtrlSum"]) if expected["stated_CtrlSum"] else None)
    assert len(parsed.transactions) == expected["counted_txs"]
    # FACTS sums every amount for the file (the Swiss musterfile pays one transaction as EqvtAmt)
    # but only InstdAmt per payment block; both are checked.
    assert parsed.amount_sum == Decimal(expected["summed_amounts"])
    # FACTS lists the Ccy of the amounts as written: for an EqvtAmt that is its Amt's currency.
    written = {t.currency if t.amount is not None else t.equivalent_currency for t in parsed.transactions}
    assert sorted(written) == expected["currencies"]
    assert len(parsed.payment_infos) == expected["n_payment_infos"]
    for ours, fact in zip(parsed.payment_infos, expected["payment_infos"], strict=True):
        assert ours.payment_info_id == fact["PmtInfId"]
        assert ours.stated_number_of_transactions == (int(fact["stated_NbOfTxs"]) if fact["stated_NbOfTxs"] else None)
        assert ours.stated_control_sum == (Decimal(fact["stated_CtrlSum"]) if fact["stated_CtrlSum"] else None)
        assert len(ours.transactions) == fact["counted_txs"]
        assert sum((t.amount for t in ours.transactions if t.amount is not None), Decimal(0)) == Decimal(
            fact["summed_InstdAmt"]
        )
    # The files that disagree with themselves (multiple_pmtinf states 1 transaction and has 2) are
    # reported as they are; comparing stated and counted is the caller's control.
    assert (parsed.stated_number_of_transactions == len(parsed.transactions)) == expected["checks"]["NbOfTxs_matches"]


def _payment(**changes) -> PaymentFileInput:
    payment = PaymentFileInput(
        message_id="FINSYNC-2024-0001",
        created_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        initiating_party="ACME Treasury GmbH",
        debtor_name="ACME GmbH",
        debtor_iban="DE89 3704 0044 0532 0130 00",
        debtor_bic="COBADEFFXXX",
        requested_execution_date=date(2024, 5, 2),
        transactions=[
            CreditTransferInput(
                "E2E-1",
                Decimal("1234.56"),
                "Supplier SARL",
                "FR1420041010050500013M02606",
                instruction_id="INSTR-1",
                creditor_bic="PSSTFRPPLIL",
                remittance_text="Invoice 4711",
            ),
            CreditTransferInput("E2E-2", Decimal("0.01"), "Other BV", "NL91ABNA0417164300"),
        ],
    )
    return replace(payment, **changes)


def test_shipped_xsds_are_the_official_copies():
    # The samples folder from FINSYNC_SAMPLES_DIR (a path relative to this file missed it from a worktree).
    shared = require_samples() / "xsd"
    for version in VERSIONS:
        assert (XSD_DIR / f"{version}.xsd").read_bytes() == (shared / f"{version}.xsd").read_bytes()


@pytest.mark.parametrize("version", VERSIONS)
def test_round_trip_build_validate_parse(version):
    payment = _payment()

    xml = build_pain001(payment, version=version)
    validate_pain001(xml, version=version)  # build validated already; validating again must not fail
    parsed = parse_pain001(xml)

    assert parsed.version == version
    assert parsed.message_id == "FINSYNC-2024-0001"
    assert parsed.created_at == payment.created_at
    assert parsed.stated_number_of_transactions == 2
    assert parsed.stated_control_sum == Decimal("1234.57") == sum(t.amount for t in payment.transactions)
    assert parsed.amount_sum == parsed.stated_control_sum
    first = parsed.transactions[0]
    assert (first.end_to_end_id, first.instruction_id, first.creditor_bic) == ("E2E-1", "INSTR-1", "PSSTFRPPLIL")
    assert first.creditor_account == "FR1420041010050500013M02606"
    assert parsed.payment_infos[0].debtor_account == "DE89370400440532013000"
    assert parsed.payment_infos[0].requested_execution_date == date(2024, 5, 2)


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2), min_size=1, max_size=8
    ),
    version=st.sampled_from(VERSIONS),
)
def test_control_sum_is_the_sum_of_amounts(amounts, version):
    transactions = [
        CreditTransferInput(f"E2E-{n}", amount, "Creditor", "NL91ABNA0417164300") for n, amount in enumerate(amounts)
    ]

    parsed = parse_pain001(build_pain001(_payment(transactions=transactions), version=version))

    assert parsed.stated_control_sum == sum(amounts)
    assert parsed.stated_number_of_transactions == len(amounts)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"debtor_iban": "DE00 0000 0000 0000 0000 00"}, "IBAN 'DE00 0000 0000 0000 0000 00' of the debtor account"),
        ({"debtor_bic": "NOTABIC"}, "BIC 'NOTABIC'"),
        ({"transactions": []}, "at least one transaction"),
        ({"created_at": datetime(2024, 5, 1, 9, 30)}, "time zone"),  # noqa: DTZ001 - the naive value is the point
    ],
)
def test_invalid_payment_input_is_refused(changes, reason):
    with pytest.raises(FormatError, match=reason):
        build_pain001(_payment(**changes))


@pytest.mark.parametrize(
    ("transaction", "reason"),
    [
        (CreditTransferInput("E", Decimal("1"), "X", "NL91ABNA0417164301"), "IBAN 'NL91ABNA0417164301'"),
        (CreditTransferInput("E", Decimal("1.001"), "X", "NL91ABNA0417164300"), "at most 2 decimals"),
        (CreditTransferInput("E", Decimal("0"), "X", "NL91ABNA0417164300"), "must be positive"),
        (CreditTransferInput("E", Decimal("1"), "X", "NL91ABNA0417164300", currency="USD"), "in euro"),
    ],
)
def test_invalid_transaction_is_refused_naming_it(transaction, reason):
    with pytest.raises(FormatError, match=reason):
        build_pain001(_payment(transactions=[transaction]))


def test_schema_errors_are_listed():
    too_long = CreditTransferInput("E" * 40, Decimal("1"), "X", "NL91ABNA0417164300")

    with pytest.raises(FormatError, match=r"does not match the official schema: line \d+: .*EndToEndId"):
        build_pain001(_payment(transactions=[too_long]))


def test_validate_refuses_a_foreign_document():
    with pytest.raises(FormatError, match="does not match the official schema"):
        validate_pain001(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>")


def test_unsupported_version():
    with pytest.raises(FormatError, match="not supported"):
        build_pain001(_payment(), version="pain.001.001.02")
