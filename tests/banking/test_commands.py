"""The command-line contract (docs/CLI.md): payment_status and export_payments, and the edges of import_statement."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from apps.banking.formats import parse_pain001
from apps.banking.models import BankStatement, StatementFile
from apps.exceptions.models import ExceptionCase
from apps.treasury.choices import BatchStatus, PaymentStatus
from tests.samples import facts, require_samples, sample_files
from tests.treasury.factories import (
    DEBTOR_IBAN,
    Entry,
    Statement,
    camt053,
    company_account,
    creditor_iban,
    released_batch,
    supplier,
)

_LIFECYCLE = ("RCVD", "PDNG", "ACTC", "ACCP", "ACWC", "ACSP", "ACSC")


def _run(name: str, *args) -> tuple[str, int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue(), code, err.getvalue()


def _expected_group_status(fact: dict) -> str | None:
    """The stated group status, else derived as the pain.002 reader documents: one status everywhere is
    that status, a rejection beside anything else is PART, otherwise the earliest acceptance stage."""
    if fact["GrpSts"]:
        return fact["GrpSts"]
    statuses = [s for s in fact["payment_info_statuses"] if s]
    statuses += [t["TxSts"] for info in fact["payment_infos"] if not info["PmtInfSts"]
                 for t in info["transactions"] if t["TxSts"]]
    if not statuses:
        return None
    if len(set(statuses)) == 1:
        return statuses[0]
    if {"RJCT", "PART"} & set(statuses):
        return "PART"
    return min(set(statuses), key=_LIFECYCLE.index)


@pytest.mark.samples
@pytest.mark.django_db
@pytest.mark.parametrize("name", sample_files("pain002"))
def test_payment_status_json_matches_facts(name):
    fact = facts()[name]

    out, code, err = _run("payment_status", str(require_samples() / name), "--json")

    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert json.loads(out) == {
        "format": "pain.002",
        "original_message_id": fact["OrgnlMsgId"],
        "group_status": _expected_group_status(fact),
        "transactions": [{"end_to_end_id": t["OrgnlEndToEndId"], "status": t["TxSts"],
                          "reason": t["reasons"][0] if t["reasons"] else None}
                         for info in fact["payment_infos"] for t in info["transactions"]],
    }
    # None of these answers a payment FinSync sent: the file is kept and the acknowledgment is unmatched.
    assert StatementFile.objects.get().format == "pain.002"
    assert list(ExceptionCase.objects.values_list("kind", flat=True)) == ["payment.unmatched_ack"]


@pytest.mark.django_db
def test_payment_status_unreadable_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / "status.xml"
    path.write_bytes(b"<Document><CstmrCdtTrfInitn/></Document>")

    out, code, err = _run("payment_status", str(path), "--json")

    assert (out, code) == ("", 2)
    assert err == f"{path}: not a pain.002 payment status report (no <CstmrPmtStsRpt> in <Document>)\n"
    assert (StatementFile.objects.count(), ExceptionCase.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_import_statement_missing_file_exits_2(tmp_path):
    path = tmp_path / "absent.xml"

    out, code, err = _run("import_statement", str(path), "--json")

    assert (out, code) == ("", 2)
    assert err.startswith(f"{path}: the file could not be opened")
    assert err.count("\n") == 1


@pytest.mark.django_db
def test_import_statement_dry_run_and_plain_output(tmp_path, entity_de):
    company_account(entity_de, iban=DEBTOR_IBAN)
    path = tmp_path / "stmt.xml"
    path.write_bytes(camt053([Statement("S-1", DEBTOR_IBAN, "-10.00", "-60.00", [Entry("50.00")])]))

    dry, code, _ = _run("import_statement", str(path), "--dry-run", "--json")
    assert code == 0
    assert json.loads(dry) == {"format": "camt.053", "created": 1, "duplicates": 0, "statements": [{
        "account": DEBTOR_IBAN, "currency": "EUR", "opening_balance": "-10.00", "closing_balance": "-60.00",
        "entries": 1, "credits": "0", "debits": "50.00"}]}
    assert (StatementFile.objects.count(), BankStatement.objects.count()) == (0, 0)

    plain, code, _ = _run("import_statement", str(path))

    assert code == 0
    assert plain.splitlines() == [f"{path}: camt.053, 1 statement(s)", f"  S-1 {DEBTOR_IBAN} EUR: 1 entries, stored",
                                  "1 statement(s) were created, 0 duplicate(s), 0 for unknown accounts."]
    assert BankStatement.objects.count() == 1


@pytest.fixture
def released(entity_de):
    account = company_account(entity_de, iban=DEBTOR_IBAN)
    acme = supplier(entity_de, "V1", "Acme Industrial GmbH", creditor_iban(1))
    return released_batch(entity_de, account, "DE01-B20261120",
                          [("DE01E2E000001", "1190.00", acme), ("DE01E2E000002", "25.50", acme)])


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_export_payments_writes_a_valid_file_and_marks_the_batch_sent(released, tmp_path, version):
    target = tmp_path / "out.xml"

    out, code, err = _run("export_payments", released.reference, "--format", version, "-o", str(target))

    assert (out, code) == ("", 0)
    assert err == f"batch DE01-B20261120 written to {target} ({version}) and marked sent\n"
    parsed = parse_pain001(target.read_bytes())
    assert (parsed.version, parsed.message_id, parsed.stated_number_of_transactions) == (version, released.reference, 2)
    assert [(t.end_to_end_id, str(t.amount)) for t in parsed.transactions] == [
        ("DE01E2E000001", "1190.00"), ("DE01E2E000002", "25.50")]
    assert parsed.payment_infos[0].requested_execution_date == date(2026, 11, 20)
    released.refresh_from_db()
    assert released.status == BatchStatus.SENT
    assert set(released.payments.values_list("status", flat=True)) == {PaymentStatus.SENT}


@pytest.mark.django_db
def test_export_payments_to_stdout_by_id_and_refuses_a_second_export(released):
    out, code, _ = _run("export_payments", str(released.pk), "--format", "pain.001.001.09")

    assert code == 0
    root = etree.fromstring(out.encode())
    assert root.tag == "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}Document"
    with pytest.raises(CommandError, match="is sent to bank; only a released batch can be sent"):
        call_command("export_payments", released.reference, "--format", "pain.001.001.09", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no payment batch 'NOPE'"):
        call_command("export_payments", "NOPE", "--format", "pain.001.001.09")
