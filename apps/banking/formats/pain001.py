"""SEPA credit transfer initiation (pain.001.001.03 and pain.001.001.09): build, validate, read.

Files are built with lxml rather than ``sepaxml``: sepaxml stamps its own random MsgId and a naive
local-time CreDtTm, cannot write an InstrId and knows only euro amounts in cents, so it cannot
produce the file our inputs describe. Every built file is validated against the official XSD that
ships in ``xsd/`` before it is returned; IBANs and BICs are checked with ``schwifty`` first so the
error names the account a person has to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree
from schwifty import BIC, IBAN

from .errors import FormatError
from .isoxml import children, decimal_value, find, findall, iso_date, iso_datetime, text
from .xmlsafe import DEFAULT_MAX_BYTES, Source, local_name, namespace, parse_xml

PAIN001_V03 = "pain.001.001.03"
PAIN001_V09 = "pain.001.001.09"
VERSIONS = (PAIN001_V03, PAIN001_V09)
XSD_DIR = Path(__file__).resolve().parent / "xsd"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CreditTransferInput:
    """One payment to one creditor."""

    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    currency: str = "EUR"
    instruction_id: str | None = None
    creditor_bic: str | None = None
    remittance_text: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentFileInput:
    """A payment run from one debtor account, executed on one date."""

    message_id: str
    created_at: datetime  # timezone-aware
    initiating_party: str
    debtor_name: str
    debtor_iban: str
    requested_execution_date: date
    transactions: Sequence[CreditTransferInput]
    debtor_bic: str | None = None
    payment_info_id: str | None = None  # defaults to message_id
    batch_booking: bool = True

    @property
    def control_sum(self) -> Decimal:
        return sum((t.amount for t in self.transactions), Decimal(0))


@dataclass(frozen=True, slots=True)
class Pain001Transaction:
    """One credit transfer as read from a pain.001 file."""

    payment_info_id: str | None
    end_to_end_id: str | None
    instruction_id: str | None
    amount: Decimal | None  # InstdAmt; None when the file gives an equivalent amount instead
    currency: str | None  # of InstdAmt, or the currency of transfer (CcyOfTrf) for an EqvtAmt
    equivalent_amount: Decimal | None  # EqvtAmt/Amt: the amount in the debtor's currency
    equivalent_currency: str | None
    creditor_name: str | None
    creditor_account: str | None
    creditor_bic: str | None
    remittance_info: str | None


@dataclass(frozen=True, slots=True)
class Pain001PaymentInfo:
    """One payment information block (PmtInf) as read from a pain.001 file."""

    payment_info_id: str | None
    stated_number_of_transactions: int | None
    stated_control_sum: Decimal | None
    debtor_name: str | None
    debtor_account: str | None
    requested_execution_date: date | None
    transactions: tuple[Pain001Transaction, ...] = ()


@dataclass(frozen=True, slots=True)
class Pain001File:
    """A pain.001 file as read: stated totals next to the transactions actually present."""

    message_id: str | None
    created_at: datetime | None
    stated_number_of_transactions: int | None
    stated_control_sum: Decimal | None
    payment_infos: tuple[Pain001PaymentInfo, ...] = field(default=())
    version: str | None = None

    @property
    def transactions(self) -> tuple[Pain001Transaction, ...]:
        return tuple(t for info in self.payment_infos for t in info.transactions)

    @property
    def amount_sum(self) -> Decimal:
        """Sum of every transaction's amount as written (InstdAmt, or EqvtAmt when given instead).

        This is what the stated CtrlSum adds up: a plain sum of the numbers, whatever their currency.
        """
        return sum(
            (t.amount if t.amount is not None else t.equivalent_amount or Decimal(0) for t in self.transactions),
            Decimal(0),
        )


def build_pain001(payment: PaymentFileInput, *, version: str = PAIN001_V03) -> bytes:
    """The pain.001 XML (UTF-8) for ``payment``, validated against the official XSD."""
    if version not in VERSIONS:
        raise FormatError(f"pain.001 version {version!r} is not supported (use one of {', '.join(VERSIONS)})")
    _check_input(payment)
    document = _document(payment, version)
    xml = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_pain001(xml, version=version)
    return xml


def validate_pain001(xml: bytes, *, version: str = PAIN001_V03) -> None:
    """Raise FormatError listing every XSD error when ``xml`` is not a valid pain.001 of ``version``."""
    schema = _schema(version)
    document = parse_xml(xml)
    if schema.validate(document.getroottree()):
        return
    problems = [f"line {e.line}: {e.message}" for e in schema.error_log]
    raise FormatError(f"the {version} file does not match the official schema: " + "; ".join(problems[:20]))


@cache
def _schema(version: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"{version}.xsd"), parser))


def _check_input(payment: PaymentFileInput) -> None:
    if not payment.transactions:
        raise FormatError("a payment file needs at least one transaction")
    if payment.created_at.tzinfo is None:
        raise FormatError("the payment file creation time must carry a time zone")
    _iban(payment.debtor_iban, "the debtor account")
    if payment.debtor_bic:
        _bic(payment.debtor_bic, "the debtor bank")
    for transaction in payment.transactions:
        who = f"creditor {transaction.creditor_name!r} (end-to-end id {transaction.end_to_end_id})"
        _iban(transaction.creditor_iban, who)
        if transaction.creditor_bic:
            _bic(transaction.creditor_bic, f"the bank of {who}")
        if transaction.currency != "EUR":
            raise FormatError(f"SEPA credit transfers are in euro; {who} is in {transaction.currency}")
        if transaction.amount <= 0 or transaction.amount != transaction.amount.quantize(_CENT):
            raise FormatError(f"the amount {transaction.amount} for {who} must be positive with at most 2 decimals")


def _iban(value: str, who: str) -> None:
    try:
        IBAN(value)
    except ValueError as error:  # schwifty's errors are ValueErrors
        raise FormatError(f"the IBAN {value!r} of {who} is not valid ({error})") from error


def _bic(value: str, who: str) -> None:
    try:
        BIC(value)
    except ValueError as error:
        raise FormatError(f"the BIC {value!r} of {who} is not valid ({error})") from error


def _document(payment: PaymentFileInput, version: str) -> etree._Element:
    ns = f"urn:iso:std:iso:20022:tech:xsd:{version}"
    bic_tag = "BIC" if version == PAIN001_V03 else "BICFI"

    def el(parent: etree._Element, tag: str, value: str | None = None, **attributes: str) -> etree._Element:
        child = etree.SubElement(parent, f"{{{ns}}}{tag}", attributes)
        if value is not None:
            child.text = value
        return child

    def path(parent: etree._Element, tags: str, value: str | None = None) -> etree._Element:
        *heads, last = tags.split("/")
        for tag in heads:
            parent = el(parent, tag)
        return el(parent, last, value)

    def agent(parent: etree._Element, tag: str, bic: str | None) -> None:
        institution = path(parent, f"{tag}/FinInstnId")
        if bic:
            el(institution, bic_tag, _compact(bic))
        else:
            path(institution, "Othr/Id", "NOTPROVIDED")

    count = str(len(payment.transactions))
    total = _amount(payment.control_sum)
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    initiation = el(root, "CstmrCdtTrfInitn")
    header = el(initiation, "GrpHdr")
    el(header, "MsgId", payment.message_id)
    el(header, "CreDtTm", payment.created_at.isoformat(timespec="seconds"))
    el(header, "NbOfTxs", count)
    el(header, "CtrlSum", total)
    path(header, "InitgPty/Nm", payment.initiating_party)

    info = el(initiation, "PmtInf")
    el(info, "PmtInfId", payment.payment_info_id or payment.message_id)
    el(info, "PmtMtd", "TRF")
    el(info, "BtchBookg", "true" if payment.batch_booking else "false")
    el(info, "NbOfTxs", count)
    el(info, "CtrlSum", total)
    path(info, "PmtTpInf/SvcLvl/Cd", "SEPA")
    execution = payment.requested_execution_date.isoformat()
    path(info, "ReqdExctnDt" if version == PAIN001_V03 else "ReqdExctnDt/Dt", execution)
    path(info, "Dbtr/Nm", payment.debtor_name)
    path(info, "DbtrAcct/Id/IBAN", _compact(payment.debtor_iban))
    agent(info, "DbtrAgt", payment.debtor_bic)
    el(info, "ChrgBr", "SLEV")
    for transaction in payment.transactions:
        transfer = el(info, "CdtTrfTxInf")
        ids = el(transfer, "PmtId")
        if transaction.instruction_id:
            el(ids, "InstrId", transaction.instruction_id)
        el(ids, "EndToEndId", transaction.end_to_end_id)
        path(transfer, "Amt/InstdAmt", _amount(transaction.amount)).set("Ccy", transaction.currency)
        if transaction.creditor_bic:
            agent(transfer, "CdtrAgt", transaction.creditor_bic)
        path(transfer, "Cdtr/Nm", transaction.creditor_name)
        path(transfer, "CdtrAcct/Id/IBAN", _compact(transaction.creditor_iban))
        if transaction.remittance_text:
            path(transfer, "RmtInf/Ustrd", transaction.remittance_text)
    return root


def _compact(value: str) -> str:
    """IBANs and BICs without spaces, upper case, as the schema wants them."""
    return "".join(value.split()).upper()


def _amount(value: Decimal) -> str:
    return f"{value.quantize(_CENT):f}"


def parse_pain001(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Pain001File:
    """Read a pain.001 file (path or bytes) of any version, without schema validation."""
    root = parse_xml(source, max_bytes=max_bytes)
    initiation = next(children(root, "CstmrCdtTrfInitn"), None) if local_name(root) == "Document" else None
    if initiation is None:
        raise FormatError("not a pain.001 credit transfer initiation (no <CstmrCdtTrfInitn> in <Document>)")
    header = find(initiation, "GrpHdr")
    if header is None:
        raise FormatError("the payment file has no group header <GrpHdr>")
    uri = namespace(root)
    marker = uri.find("pain.001.")
    return Pain001File(
        message_id=text(header, "MsgId"),
        created_at=iso_datetime(text(header, "CreDtTm"), "the payment file creation time"),
        stated_number_of_transactions=_count(text(header, "NbOfTxs"), "the file"),
        stated_control_sum=_optional_amount(text(header, "CtrlSum"), "the file control sum"),
        payment_infos=tuple(_payment_info(info) for info in children(initiation, "PmtInf")),
        version=uri[marker : marker + 15] if marker >= 0 else None,
    )


def _payment_info(element: etree._Element) -> Pain001PaymentInfo:
    info_id = text(element, "PmtInfId")
    return Pain001PaymentInfo(
        payment_info_id=info_id,
        stated_number_of_transactions=_count(text(element, "NbOfTxs"), f"payment block {info_id}"),
        stated_control_sum=_optional_amount(text(element, "CtrlSum"), f"payment block {info_id} control sum"),
        debtor_name=text(element, "Dbtr/Nm"),
        debtor_account=text(element, "DbtrAcct/Id/IBAN", "DbtrAcct/Id/Othr/Id"),
        requested_execution_date=iso_date(
            text(element, "ReqdExctnDt/Dt", "ReqdExctnDt/DtTm", "ReqdExctnDt"), f"payment block {info_id} date"
        ),
        transactions=tuple(_transaction(t, info_id) for t in children(element, "CdtTrfTxInf")),
    )


def _transaction(element: etree._Element, info_id: str | None) -> Pain001Transaction:
    end_to_end = text(element, "PmtId/EndToEndId")
    what = f"transaction {end_to_end or '(without end-to-end id)'}"
    instructed = find(element, "Amt/InstdAmt")
    equivalent_element = find(element, "Amt/EqvtAmt/Amt")
    equivalent = text(equivalent_element)
    if instructed is None and equivalent is None:
        raise FormatError(f"{what} has no amount")
    return Pain001Transaction(
        payment_info_id=info_id,
        end_to_end_id=end_to_end,
        instruction_id=text(element, "PmtId/InstrId"),
        amount=decimal_value(text(instructed), what) if instructed is not None else None,
        currency=instructed.get("Ccy") if instructed is not None else text(element, "Amt/EqvtAmt/CcyOfTrf"),
        equivalent_amount=_optional_amount(equivalent, what),
        equivalent_currency=equivalent_element.get("Ccy") if equivalent_element is not None else None,
        creditor_name=text(element, "Cdtr/Nm", "Cdtr/Pty/Nm"),
        creditor_account=text(element, "CdtrAcct/Id/IBAN", "CdtrAcct/Id/Othr/Id"),
        creditor_bic=text(element, "CdtrAgt/FinInstnId/BICFI", "CdtrAgt/FinInstnId/BIC"),
        remittance_info=" ".join(t for t in (e.text.strip() for e in findall(element, "RmtInf/Ustrd") if e.text) if t)
        or None,
    )


def _count(raw: str | None, what: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise FormatError(f"the number of transactions of {what} is not a number: {raw[:20]!r}")
    return int(raw)


def _optional_amount(raw: str | None, what: str) -> Decimal | None:
    return None if raw is None else decimal_value(raw, what)
