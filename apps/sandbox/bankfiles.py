"""Writers for the bank files the sandbox bank serves: camt.053 and MT940 statements, pain.002 reports,
and a reader for the pain.001 uploads it accepts. Minimal but valid: FinSync's parsers read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from lxml import etree

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"


@dataclass(frozen=True)
class Entry:
    """One booked line: positive amount, direction, remittance text and end-to-end reference."""

    amount: Decimal
    credit: bool
    text: str
    reference: str


def closing_balance(opening: Decimal, entries: list[Entry]) -> Decimal:
    return opening + sum((e.amount if e.credit else -e.amount for e in entries), Decimal(0))


def _camt_balance(code: str, amount: Decimal, currency: str, day: date) -> str:
    indicator = "CRDT" if amount >= 0 else "DBIT"
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{currency}\">{abs(amount):.2f}</Amt>"
            f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>")


def camt053(*, message_id: str, created: datetime, iban: str, currency: str, day: date, opening: Decimal,
            entries: list[Entry]) -> str:
    """A camt.053.001.02 statement of one account for one day."""
    lines = []
    for n, e in enumerate(entries, start=1):
        lines.append(
            f"<Ntry><NtryRef>{n}</NtryRef><Amt Ccy=\"{currency}\">{e.amount:.2f}</Amt>"
            f"<CdtDbtInd>{'CRDT' if e.credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{day.isoformat()}</Dt></BookgDt><ValDt><Dt>{day.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{message_id}-{n}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{'RCDT' if e.credit else 'ICDT'}</Cd>"
            f"<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{escape(e.reference)}</EndToEndId></Refs>"
            f"<RmtInf><Ustrd>{escape(e.text)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    closing = closing_balance(opening, entries)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{CAMT053_NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{created.strftime('%Y-%m-%dT%H:%M:%S')}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{message_id}</Id><CreDtTm>{created.strftime('%Y-%m-%dT%H:%M:%S')}</CreDtTm>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
        f"{_camt_balance('OPBD', opening, currency, day)}{_camt_balance('CLBD', closing, currency, day)}"
        f"{''.join(lines)}</Stmt></BkToCstmrStmt></Document>\n")


def _swift_amount(amount: Decimal) -> str:
    return f"{abs(amount):.2f}".replace(".", ",")


def _swift_balance(tag: str, amount: Decimal, currency: str, day: date) -> str:
    return f":{tag}:{'C' if amount >= 0 else 'D'}{day:%y%m%d}{currency}{_swift_amount(amount)}"


def mt940(*, reference: str, account: str, currency: str, day: date, sequence: int, opening: Decimal,
          entries: list[Entry]) -> str:
    """An MT940 customer statement (block 4 only, as most host-to-host channels deliver it)."""
    lines = [f":20:{reference[:16]}", f":25:{account}", f":28C:{sequence}/1",
             _swift_balance("60F", opening, currency, day)]
    for e in entries:
        lines.append(f":61:{day:%y%m%d}{day:%m%d}{'C' if e.credit else 'D'}{_swift_amount(e.amount)}"
                     f"NTRF{e.reference[:16]}//{reference[:8]}")
        lines.append(f":86:{e.text[:65]}")
    lines.append(_swift_balance("62F", closing_balance(opening, entries), currency, day))
    return "\r\n".join(lines) + "\r\n-\r\n"


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


@dataclass(frozen=True)
class PaymentOrder:
    message_id: str
    payment_info_id: str
    end_to_end_ids: list[str]


def read_pain001(content: bytes) -> PaymentOrder:
    """Message id and end-to-end ids of an uploaded pain.001; ValueError when it is not one."""
    try:
        root = etree.fromstring(content, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from exc
    namespace = etree.QName(root).namespace or ""
    if "pain.001" not in namespace:
        raise ValueError(f"not a pain.001 document (namespace {namespace!r})")
    ns = {"p": namespace}
    message_id = root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=ns)
    if not message_id:
        raise ValueError("pain.001 without GrpHdr/MsgId")
    ids = [e.text or "" for e in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", namespaces=ns)]
    if not ids:
        raise ValueError("pain.001 without any credit transfer")
    info = root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:PmtInfId", namespaces=ns) or ""
    return PaymentOrder(message_id=message_id, payment_info_id=info, end_to_end_ids=ids)


def pain002(*, message_id: str, created: datetime, order: PaymentOrder, rejected: dict[str, str]) -> tuple[str, str]:
    """A pain.002.001.03 status report for an order: each transaction ACCP or RJCT with its reason.
    Returns (xml, group status)."""
    if not rejected:
        group = "ACCP"
    elif set(rejected) >= set(order.end_to_end_ids):
        group = "RJCT"
    else:
        group = "PART"
    txs = []
    for n, e2e in enumerate(order.end_to_end_ids, start=1):
        reason = rejected.get(e2e)
        status = (f"<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>{escape(reason)}</Cd></Rsn></StsRsnInf>" if reason
                  else "<TxSts>ACCP</TxSts>")
        txs.append(f"<TxInfAndSts><StsId>{message_id}-{n}</StsId><OrgnlEndToEndId>{escape(e2e)}</OrgnlEndToEndId>"
                   f"{status}</TxInfAndSts>")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{PAIN002_NS}"><CstmrPmtStsRpt>'
           f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{created.strftime('%Y-%m-%dT%H:%M:%S')}</CreDtTm></GrpHdr>"
           f"<OrgnlGrpInfAndSts><OrgnlMsgId>{escape(order.message_id)}</OrgnlMsgId>"
           f"<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId><GrpSts>{group}</GrpSts></OrgnlGrpInfAndSts>"
           f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{escape(order.payment_info_id)}</OrgnlPmtInfId>{''.join(txs)}"
           f"</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")
    return xml, group
