"""ISO 20022 bank-to-customer cash management: camt.052 (report), camt.053 (statement), camt.054
(debit/credit notification), versions 001.01 to 001.08 and later.

Elements are matched on their local names, so the namespace only tells the message type and
version. The file is streamed (``xmlsafe.iter_elements``, ``iter_camt``): each ``Ntry`` is read,
handed on and discarded, so memory stays flat for statements with hundreds of thousands of entries.

Balance rules:

* opening = the ``OPBD`` (opening booked) balance; when a bank sends no OPBD, its ``PRCD``
  (previous closing booked) is used instead, because yesterday's closing booked balance *is*
  today's opening balance (ABN AMRO and several camt.052 reports do this);
* closing = ``CLBD``; available = ``CLAV``, else ``ITAV``, else the first ``FWAV``;
  intraday = every ``ITBD``;
* a balance with ``CdtDbtInd`` DBIT is negative.

Entry rules: amounts stay positive with ``credit_debit`` giving the direction; the counterparty is
the debtor of a credit and the creditor of a debit; transaction details (references, parties,
bank transaction code) are taken from ``TxDtls`` only when the entry has exactly one, because a
batch entry has no single counterparty; remittance information is joined from all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from lxml import etree

from .errors import FormatError
from .isoxml import (
    children,
    date_or_datetime,
    decimal_value,
    find,
    findall,
    iso_datetime,
    text,
    texts,
)
from .model import CREDIT, DEBIT, Balance, ParsedEntry, ParsedFile, ParsedStatement, StatedTotals
from .stream import FileEnd, FileHeader, StatementEnd, StatementEvent, StatementStart, collect
from .xmlsafe import DEFAULT_MAX_BYTES, Source, iter_elements, local_name, namespace

MESSAGE_KINDS = {
    "BkToCstmrAcctRpt": "camt.052",
    "BkToCstmrStmt": "camt.053",
    "BkToCstmrDbtCdtNtfctn": "camt.054",
}
STATEMENT_ELEMENTS = frozenset({"Stmt", "Rpt", "Ntfctn"})
_STREAMED = STATEMENT_ELEMENTS | {"GrpHdr", "Ntry"}
_VERSION = re.compile(r"camt\.05[234]\.\d{3}\.\d{2}")
_NOT_PROVIDED = "NOTPROVIDED"
_AVAILABLE_CODES = ("CLAV", "ITAV", "FWAV")
_NO_HEADER = "not a camt.052, camt.053 or camt.054 message (no group header <GrpHdr> found)"


def parse_camt(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedFile:
    """Parse a camt.052/053/054 file (path or bytes) into a ParsedFile (every entry kept in memory)."""
    return collect(iter_camt(source, max_bytes=max_bytes))


def iter_camt(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[StatementEvent]:
    """Read a camt.052/053/054 file (path or bytes) as events (``stream``), streaming.

    A statement's header is complete when its first ``Ntry`` is: the schema puts Id, Acct, Bal and
    TxsSummry before the entries. The header is handed on then (``StatementStart``), each entry as
    soon as it is read, and the header again when the statement ends (``StatementEnd``), so a
    consumer holds one entry at a time.
    """
    header: FileHeader | None = None
    started: etree._Element | None = None  # the statement element whose StatementStart was handed on
    position = statements = 0
    for element in iter_elements(source, _STREAMED, max_bytes=max_bytes):
        name = local_name(element)
        if name == "GrpHdr":
            if header is None:
                header = _group_header(element)
                yield header
            continue
        if header is None:
            raise FormatError(_NO_HEADER)
        if name == "Ntry":
            statement = element.getparent()
            if statement is None or local_name(statement) not in STATEMENT_ELEMENTS:
                raise FormatError("an entry <Ntry> stands outside a statement, report or notification")
            position += 1
            entry = parse_entry(element, position=position)
            if started is not statement:
                started = statement
                yield StatementStart(statement=_statement(statement, ()), entry_currency=entry.currency)
            yield entry
            continue
        if started is not element:
            yield StatementStart(statement=_statement(element, ()))
        started, position, statements = None, 0, statements + 1
        yield StatementEnd(statement=_statement(element, ()))
    if header is None:
        raise FormatError(_NO_HEADER)
    if not statements:
        raise FormatError(f"the {header.format} file contains no statement, report or notification")
    yield FileEnd()


def _group_header(element: etree._Element) -> FileHeader:
    message = element.getparent()
    message_name = local_name(message) if message is not None else ""
    # camt.052.001.01 names its message element "BkToCstmrAcctRptV01".
    kind = next((k for prefix, k in MESSAGE_KINDS.items() if message_name.startswith(prefix)), None)
    if kind is None:
        raise FormatError(f"not a camt.052, camt.053 or camt.054 message (the message element is <{message_name}>)")
    found = _VERSION.search(namespace(element))
    return FileHeader(format=kind, message_id=text(element, "MsgId"),
                      created_at=iso_datetime(text(element, "CreDtTm"), "the file creation time"),
                      version=found[0] if found else None)


def _statement(element: etree._Element, entries: tuple[ParsedEntry, ...]) -> ParsedStatement:
    statement_id = text(element, "Id")
    what = f"statement {statement_id or '(without Id)'}"
    balances = tuple(_balance(b, what) for b in children(element, "Bal"))
    by_code: dict[str, list[Balance]] = {}
    for balance in balances:
        by_code.setdefault(balance.type_code, []).append(balance)

    def first(*codes: str) -> Balance | None:
        return next((by_code[c][0] for c in codes if c in by_code), None)

    account = find(element, "Acct")
    return ParsedStatement(
        statement_id=statement_id,
        sequence_number=text(element, "ElctrncSeqNb", "LglSeqNb"),
        account=_account_id(account),
        account_currency=text(account, "Ccy"),
        servicer_bic=text(account, "Svcr/FinInstnId/BICFI", "Svcr/FinInstnId/BIC"),
        owner_name=text(account, "Ownr/Nm", "Ownr/Pty/Nm", "Nm"),
        from_dt=iso_datetime(text(element, "FrToDt/FrDtTm"), f"{what} start time"),
        to_dt=iso_datetime(text(element, "FrToDt/ToDtTm"), f"{what} end time"),
        created_at=iso_datetime(text(element, "CreDtTm"), f"{what} creation time"),
        opening_balance=first("OPBD", "PRCD"),
        closing_balance=first("CLBD"),
        available_balance=first(*_AVAILABLE_CODES),
        intraday_balances=tuple(by_code.get("ITBD", ())),
        balances=balances,
        entries=tuple(entries),
        stated_totals=_stated_totals(find(element, "TxsSummry"), what),
    )


def _account_id(account: etree._Element | None) -> str | None:
    # PrtryAcct, BBAN and UPIC are camt.052.001.01 alternatives to IBAN / Othr.
    return text(account, "Id/IBAN", "Id/Othr/Id", "Id/PrtryAcct/Id", "Id/BBAN", "Id/UPIC")


def _balance(element: etree._Element, what: str) -> Balance:
    code = text(element, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry", "Tp/Cd", "Tp/Prtry")
    if code is None:
        raise FormatError(f"{what} has a balance without a type code")
    amount_element = find(element, "Amt")
    amount = decimal_value(text(amount_element), f"{what} balance {code}")
    indicator = text(element, "CdtDbtInd")
    if indicator == DEBIT:
        amount = -amount
    elif indicator != CREDIT:
        raise FormatError(f"{what} balance {code} is neither credit nor debit (CdtDbtInd {indicator!r})")
    return Balance(
        type_code=code,
        amount=amount,
        currency=amount_element.get("Ccy") if amount_element is not None else None,
        date=date_or_datetime(find(element, "Dt"), f"{what} balance {code} date"),
    )


def _stated_totals(summary: etree._Element | None, what: str) -> StatedTotals | None:
    if summary is None:
        return None

    def count(path: str) -> int | None:
        raw = text(summary, path)
        if raw is None:
            return None
        if not raw.isdigit():
            raise FormatError(f"{what} states a number of entries that is not a number: {raw[:20]!r}")
        return int(raw)

    def total(path: str) -> Decimal | None:
        raw = text(summary, path)
        return None if raw is None else abs(decimal_value(raw, f"{what} transaction summary"))

    return StatedTotals(
        entry_count=count("TtlNtries/NbOfNtries"),
        credit_count=count("TtlCdtNtries/NbOfNtries"),
        credit_sum=total("TtlCdtNtries/Sum"),
        debit_count=count("TtlDbtNtries/NbOfNtries"),
        debit_sum=total("TtlDbtNtries/Sum"),
    )


def parse_entry(element: etree._Element, *, position: int = 1) -> ParsedEntry:
    """Read one ``Ntry`` element."""
    what = f"entry {position}"
    amount_element = find(element, "Amt")
    amount = decimal_value(text(amount_element), what)
    if amount < 0:
        raise FormatError(f"{what} has a negative amount; camt amounts are unsigned")
    direction = text(element, "CdtDbtInd")
    if direction not in (CREDIT, DEBIT):
        raise FormatError(f"{what} is neither credit nor debit (CdtDbtInd {direction!r})")
    details = list(findall(element, "NtryDtls/TxDtls"))
    single = details[0] if len(details) == 1 else None
    refs = find(single, "Refs")
    party_role, agent_role = ("Dbtr", "DbtrAgt") if direction == CREDIT else ("Cdtr", "CdtrAgt")
    parties = find(single, "RltdPties")
    return ParsedEntry(
        amount=amount,
        currency=amount_element.get("Ccy") if amount_element is not None else None,
        credit_debit=direction,
        reversal=(text(element, "RvslInd") or "").lower() in ("true", "1"),
        status=text(element, "Sts/Cd", "Sts/Prtry", "Sts"),
        booking_date=date_or_datetime(find(element, "BookgDt"), f"{what} booking date"),
        value_date=date_or_datetime(find(element, "ValDt"), f"{what} value date"),
        bank_reference=text(element, "AcctSvcrRef") or text(refs, "AcctSvcrRef"),
        end_to_end_id=_provided(text(refs, "EndToEndId")),
        instruction_id=_provided(text(refs, "InstrId")),
        uetr=text(refs, "UETR"),
        counterparty_name=text(parties, f"{party_role}/Pty/Nm", f"{party_role}/Nm", f"{party_role}/Agt/FinInstnId/Nm"),
        counterparty_account=text(parties, f"{party_role}Acct/Id/IBAN", f"{party_role}Acct/Id/Othr/Id"),
        counterparty_bic=text(
            find(single, "RltdAgts"), f"{agent_role}/FinInstnId/BICFI", f"{agent_role}/FinInstnId/BIC"
        )
        or text(parties, f"{party_role}/Agt/FinInstnId/BICFI", f"{party_role}/Agt/FinInstnId/BIC"),
        remittance_info=_remittance(details),
        bank_transaction_code=_bank_transaction_code(find(element, "BkTxCd"))
        or _bank_transaction_code(find(single, "BkTxCd")),
        additional_info=text(element, "AddtlNtryInf") or text(single, "AddtlTxInf"),
    )


def _provided(value: str | None) -> str | None:
    return None if value is None or value.upper() == _NOT_PROVIDED else value


def _remittance(details: list[etree._Element]) -> str | None:
    parts: list[str] = []
    for detail in details:
        parts += texts(detail, "RmtInf/Ustrd")
        parts += texts(detail, "RmtInf/Strd/CdtrRefInf/Ref")
    return " ".join(parts) or None


def _bank_transaction_code(code: etree._Element | None) -> str | None:
    domain = text(code, "Domn/Cd")
    if domain:
        family = text(code, "Domn/Fmly/Cd")
        sub_family = text(code, "Domn/Fmly/SubFmlyCd")
        return "/".join(p for p in (domain, family, sub_family) if p)
    return text(code, "Prtry/Cd")
