"""Builders shared by the banking import and treasury tests: accounts, batches, and bank files written
the way banks write them (camt.053 and pain.002 XML), so tests go through the real parsers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.contrib.auth import get_user_model
from schwifty import IBAN

from apps.banking.models import CompanyBankAccount
from apps.ledger.models import AccountingPeriod
from apps.masterdata.models import Bank, LegalEntity, Supplier, SupplierBankAccount
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import PaymentBatch, PaymentInstruction

DEBTOR_IBAN = IBAN.generate("DE", bank_code="37040044", account_code="532013000").compact
OTHER_IBAN = IBAN.generate("DE", bank_code="50070010", account_code="92777202").compact


def bank(bic: str = "COBADEFFXXX", country: str = "DE") -> Bank:
    return Bank.objects.get_or_create(bic=bic, defaults={"name": f"Bank {bic}", "country": country})[0]


def company_account(entity: LegalEntity, *, iban: str = "", account_number: str = "", currency: str = "EUR",
                    name: str = "EUR operating", bic: str = "COBADEFFXXX") -> CompanyBankAccount:
    return CompanyBankAccount.objects.create(legal_entity=entity, bank=bank(bic), name=name, iban=iban, bic=bic,
                                             account_number=account_number, currency=currency)


def month_periods(entity: LegalEntity, year: int) -> list[AccountingPeriod]:
    periods = []
    for month in range(1, 13):
        end = date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
        periods.append(AccountingPeriod.objects.create(legal_entity=entity, fiscal_year=year, number=month,
                                                       start_date=date(year, month, 1),
                                                       end_date=date.fromordinal(end)))
    return periods


def supplier(entity: LegalEntity, number: str, name: str, iban: str) -> Supplier:
    row = Supplier.objects.create(legal_entity=entity, number=number, name=name, country="DE")
    SupplierBankAccount.objects.create(supplier=row, iban=iban, country="DE", currency="EUR", status="active")
    return row


def creditor_iban(n: int) -> str:
    return IBAN.generate("DE", bank_code="10010010", account_code=f"{1000000 + n}").compact


def released_batch(entity: LegalEntity, account: CompanyBankAccount, reference: str, payments: list[tuple],
                   *, execution: date = date(2026, 11, 20), status: str = BatchStatus.RELEASED,
                   payment_status: str = PaymentStatus.APPROVED) -> PaymentBatch:
    """A batch as demo data makes them, released by a second person. ``payments``: (e2e, amount, supplier)."""
    users = get_user_model().objects
    maker = users.get_or_create(username="maker")[0]
    checker = users.get_or_create(username="checker")[0]
    batch = PaymentBatch.objects.create(legal_entity=entity, reference=reference, debtor_account=account,
                                        requested_execution_date=execution, currency=account.currency, status=status,
                                        created_by=maker, released_by=checker)
    for n, (e2e, amount, who) in enumerate(payments, start=1):
        iban = who.bank_accounts.first().iban
        PaymentInstruction.objects.create(
            legal_entity=entity, batch=batch, supplier=who, supplier_bank_account=who.bank_accounts.first(),
            end_to_end_id=e2e, instruction_id=f"I-{e2e}", idempotency_key=f"test:{e2e}", amount=Decimal(amount),
            currency=account.currency, creditor_name=who.name, creditor_iban=iban,
            remittance_info=f"Invoice {n}", requested_date=execution, status=payment_status)
    return batch


@dataclass
class Entry:
    amount: str
    credit_debit: str = "DBIT"
    booking_date: str = "2026-11-20"
    end_to_end_id: str = ""
    counterparty: str = ""
    counterparty_iban: str = ""
    remittance: str = ""
    status: str = "BOOK"


@dataclass
class Statement:
    statement_id: str
    iban: str
    opening: str | None
    closing: str | None
    entries: list[Entry] = field(default_factory=list)
    sequence: str | None = None
    day: str = "2026-11-20"
    currency: str = "EUR"


def _balance(code: str, amount: str, currency: str, day: str) -> str:
    value = Decimal(amount)
    indicator = "CRDT" if value >= 0 else "DBIT"
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{currency}\">{abs(value):.2f}</Amt>"
            f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>")


def _entry(entry: Entry, currency: str) -> str:
    party_role = "Cdtr" if entry.credit_debit == "DBIT" else "Dbtr"
    parties = ""
    if entry.counterparty or entry.counterparty_iban:
        parties = "<RltdPties>"
        if entry.counterparty:
            parties += f"<{party_role}><Nm>{escape(entry.counterparty)}</Nm></{party_role}>"
        if entry.counterparty_iban:
            parties += f"<{party_role}Acct><Id><IBAN>{entry.counterparty_iban}</IBAN></Id></{party_role}Acct>"
        parties += "</RltdPties>"
    refs = f"<Refs><EndToEndId>{escape(entry.end_to_end_id)}</EndToEndId></Refs>" if entry.end_to_end_id else ""
    remittance = f"<RmtInf><Ustrd>{escape(entry.remittance)}</Ustrd></RmtInf>" if entry.remittance else ""
    return (f"<Ntry><Amt Ccy=\"{currency}\">{entry.amount}</Amt><CdtDbtInd>{entry.credit_debit}</CdtDbtInd>"
            f"<Sts>{entry.status}</Sts><BookgDt><Dt>{entry.booking_date}</Dt></BookgDt>"
            f"<ValDt><Dt>{entry.booking_date}</Dt></ValDt>"
            f"<NtryDtls><TxDtls>{refs}{parties}{remittance}</TxDtls></NtryDtls></Ntry>")


def camt053(statements: list[Statement], message_id: str = "MSG-1") -> bytes:
    """A camt.053.001.02 file with the given statements."""
    body = []
    for s in statements:
        balances = ""
        if s.opening is not None:
            balances += _balance("OPBD", s.opening, s.currency, s.day)
        if s.closing is not None:
            balances += _balance("CLBD", s.closing, s.currency, s.day)
        sequence = f"<ElctrncSeqNb>{s.sequence}</ElctrncSeqNb>" if s.sequence else ""
        body.append(
            f"<Stmt><Id>{s.statement_id}</Id>{sequence}<CreDtTm>{s.day}T23:00:00+00:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{s.day}T00:00:00+00:00</FrDtTm><ToDtTm>{s.day}T23:59:59+00:00</ToDtTm></FrToDt>"
            f"<Acct><Id><IBAN>{s.iban}</IBAN></Id><Ccy>{s.currency}</Ccy></Acct>{balances}"
            + "".join(_entry(e, s.currency) for e in s.entries) + "</Stmt>")
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-11-20T23:30:00+00:00</CreDtTm></GrpHdr>"
            + "".join(body) + "</BkToCstmrStmt></Document>").encode()


def camt052(iban: str, report_id: str, balances: list[tuple[str, str, str]], created: str,
            currency: str = "EUR") -> bytes:
    """A camt.052.001.02 intraday report; ``balances``: (code, amount, date)."""
    bal = "".join(_balance(code, amount, currency, day) for code, amount, day in balances)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrAcctRpt>'
            f"<GrpHdr><MsgId>R-{report_id}</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>"
            f"<Rpt><Id>{report_id}</Id><CreDtTm>{created}</CreDtTm>"
            f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>{bal}</Rpt>"
            "</BkToCstmrAcctRpt></Document>").encode()


def pain002(original_message_id: str, transactions: list[tuple[str, str, str | None, str | None]],
            *, message_id: str = "STS-1", group_status: str | None = None,
            block_status: str | None = None) -> bytes:
    """A pain.002.001.03 answer; ``transactions``: (end-to-end id, status, reason code, reason text)."""
    group = f"<GrpSts>{group_status}</GrpSts>" if group_status else ""
    txs = ""
    for e2e, status, code, text in transactions:
        reason = ""
        if code or text:
            reason = "<StsRsnInf>" + (f"<Rsn><Cd>{code}</Cd></Rsn>" if code else "") + (
                f"<AddtlInf>{escape(text)}</AddtlInf>" if text else "") + "</StsRsnInf>"
        txs += (f"<TxInfAndSts><OrgnlInstrId>I-{e2e}</OrgnlInstrId><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId>"
                f"<TxSts>{status}</TxSts>{reason}</TxInfAndSts>")
    block = f"<PmtInfSts>{block_status}</PmtInfSts>" if block_status else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
            f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-11-20T10:00:00+00:00</CreDtTm></GrpHdr>"
            f"<OrgnlGrpInfAndSts><OrgnlMsgId>{original_message_id}</OrgnlMsgId>"
            f"<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>{group}</OrgnlGrpInfAndSts>"
            f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{original_message_id}</OrgnlPmtInfId>{block}{txs}"
            "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>").encode()
