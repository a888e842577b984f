"""pain.002 payment status reports against the independently derived FACTS.json."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.banking.formats.errors import FormatError
from apps.banking.formats.pain002 import PaymentStatus, StatusReason, derive_status, parse_pain002
from tests.samples import facts, require_samples, sample_files


def _codes(reasons) -> list[str]:
    # FACTS lists reason codes only; a reason given as text alone has none.
    return [r.code or r.proprietary for r in reasons if r.code or r.proprietary]


@pytest.mark.samples
@pytest.mark.parametrize("name", sample_files("pain002"))
def test_pain002_sample_matches_facts(name):
    expected = facts()[name]

    report = parse_pain002(require_samples() / name)

    assert report.message_id == expected["MsgId"]
    assert report.original_message_id == expected["OrgnlMsgId"]
    assert report.original_message_type == expected["OrgnlMsgNmId"]
    assert report.stated_group_status == expected["GrpSts"]
    assert _codes(report.group_reasons) == expected["group_reasons"]
    assert report.original_number_of_transactions == (
        int(expected["OrgnlNbOfTxs"]) if expected["OrgnlNbOfTxs"] else None
    )
    assert report.original_control_sum == (Decimal(expected["OrgnlCtrlSum"]) if expected["OrgnlCtrlSum"] else None)
    assert len(report.payment_infos) == expected["n_payment_infos"]
    assert len(report.transactions) == expected["n_transactions"]
    assert [t.status for t in report.transactions] == expected["transaction_statuses"]
    for ours, fact in zip(report.payment_infos, expected["payment_infos"], strict=True):
        assert ours.original_payment_info_id == fact["OrgnlPmtInfId"]
        assert ours.status == fact["PmtInfSts"]
        assert _codes(ours.reasons) == fact["reasons"]
        for transaction, fact_tx in zip(ours.transactions, fact["transactions"], strict=True):
            assert transaction.original_end_to_end_id == fact_tx["OrgnlEndToEndId"]
            assert transaction.original_instruction_id == fact_tx["OrgnlInstrId"]
            assert transaction.status == fact_tx["TxSts"]
            assert _codes(transaction.reasons) == fact_tx["reasons"]
    if expected["GrpSts"]:
        assert report.group_status == expected["GrpSts"]


@pytest.mark.samples
def test_group_status_is_derived_when_the_bank_leaves_it_out():
    base = require_samples() / "pain002"

    partly = parse_pain002(base / "moov-pain002-epo_p_ch5109000000250092291_1110097605_0_2018031511252307.xml")
    rejected = parse_pain002(base / "iso20022js-nordea-pain_002_v3_txn_reject.xml")
    accepted = parse_pain002(base / "iso20022js-goldman_sachs-pain_002_v3_accepted.xml")

    assert (partly.stated_group_status, partly.group_status) == (None, "PART")
    assert (rejected.stated_group_status, rejected.group_status) == (None, "RJCT")
    # No PmtInfSts: the transactions' status counts.
    assert (accepted.stated_group_status, accepted.group_status) == (None, "ACCP")


@pytest.mark.samples
def test_transaction_reason_code_and_text():
    report = parse_pain002(
        require_samples() / "pain002/moov-pain002-epo_p_ch2909000000250094239_1109800799_0_2018032612092784.xml"
    )
    transaction = report.transactions[0]

    assert transaction.reason_code == "AC01"
    assert transaction.reason_text is None or isinstance(transaction.reason_text, str)


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [([], None), (["ACSC", "ACSC"], "ACSC"), (["RJCT", "ACCP"], "PART"), (["ACSP", "ACTC"], "ACTC")],
)
def test_derive_status(statuses, overall):
    assert derive_status(statuses) == overall


def test_reason_text_joins_additional_information():
    reasons = (StatusReason("AM04", None, "line 1 line 2"), StatusReason(None, "X1", None))
    status = PaymentStatus("E2E", None, "RJCT", reasons)

    assert (status.reason_code, status.reason_text) == ("AM04", "line 1 line 2")


def test_not_a_status_report():
    with pytest.raises(FormatError, match="not a pain.002"):
        parse_pain002(b"<Document><CstmrCdtTrfInitn/></Document>")
