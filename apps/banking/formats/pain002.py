"""ISO 20022 pain.002 customer payment status report (001.001.03 and later, incl. Swiss .ch.02).

The group status is the one stated in ``OrgnlGrpInfAndSts/GrpSts``; many banks leave it out and
report per payment information block or per transaction instead, and then it is derived:
no statuses at all gives None, one status everywhere gives that status, a rejection next to
anything else gives PART (partially accepted), and a mix of acceptance stages gives the earliest
stage (``RCVD`` < ``ACTC`` < ``ACCP`` < ``ACWC`` < ``ACSP`` < ``ACSC``), i.e. what is certain for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lxml import etree

from .errors import FormatError
from .isoxml import children, decimal_value, find, findall, iso_datetime, text, texts
from .xmlsafe import DEFAULT_MAX_BYTES, Source, local_name, namespace, parse_xml

REJECTED = "RJCT"
PARTIAL = "PART"
_LIFECYCLE = ("RCVD", "PDNG", "ACTC", "ACCP", "ACWC", "ACSP", "ACSC")


@dataclass(frozen=True, slots=True)
class StatusReason:
    """Why a status was given: an ISO reason code (AC01, AM04, NARR...) or a proprietary one."""

    code: str | None
    proprietary: str | None
    text: str | None  # AddtlInf lines joined with a space


@dataclass(frozen=True, slots=True)
class PaymentStatus:
    """The status of one original transaction."""

    original_end_to_end_id: str | None
    original_instruction_id: str | None
    status: str | None  # TxSts: ACCP, ACSC, ACSP, ACTC, ACWC, PDNG, RCVD, RJCT...
    reasons: tuple[StatusReason, ...] = ()

    @property
    def reason_code(self) -> str | None:
        """The first reason's ISO code, or its proprietary code."""
        return next((r.code or r.proprietary for r in self.reasons if r.code or r.proprietary), None)

    @property
    def reason_text(self) -> str | None:
        """Every reason's additional information, joined."""
        return " ".join(r.text for r in self.reasons if r.text) or None


@dataclass(frozen=True, slots=True)
class PaymentInfoStatus:
    """The status of one original payment information block (a batch)."""

    original_payment_info_id: str | None
    status: str | None  # PmtInfSts
    reasons: tuple[StatusReason, ...] = ()
    transactions: tuple[PaymentStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentStatusReport:
    """A pain.002 message: the bank's answer to a payment file we sent."""

    message_id: str | None
    created_at: datetime | None
    original_message_id: str | None
    original_message_type: str | None  # OrgnlMsgNmId, e.g. "pain.001.001.03"
    stated_group_status: str | None
    group_reasons: tuple[StatusReason, ...]
    original_number_of_transactions: int | None
    original_control_sum: Decimal | None
    payment_infos: tuple[PaymentInfoStatus, ...]
    version: str | None = None

    @property
    def transactions(self) -> tuple[PaymentStatus, ...]:
        return tuple(t for info in self.payment_infos for t in info.transactions)

    @property
    def group_status(self) -> str | None:
        """The stated group status, or the one derived from the blocks and transactions."""
        if self.stated_group_status:
            return self.stated_group_status
        statuses = [i.status for i in self.payment_infos if i.status]
        statuses += [t.status for i in self.payment_infos if not i.status for t in i.transactions if t.status]
        return derive_status(statuses)


def derive_status(statuses: list[str]) -> str | None:
    """The overall status of several statuses (see the module docstring)."""
    distinct = set(statuses)
    if not distinct:
        return None
    if len(distinct) == 1:
        return statuses[0]
    if REJECTED in distinct or PARTIAL in distinct:
        return PARTIAL
    return min(distinct, key=lambda s: _LIFECYCLE.index(s) if s in _LIFECYCLE else -1)


def parse_pain002(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PaymentStatusReport:
    """Parse a pain.002 file (path or bytes)."""
    root = parse_xml(source, max_bytes=max_bytes)
    report = next(children(root, "CstmrPmtStsRpt"), None) if local_name(root) == "Document" else None
    if report is None:
        raise FormatError("not a pain.002 payment status report (no <CstmrPmtStsRpt> in <Document>)")
    header = find(report, "GrpHdr")
    group = find(report, "OrgnlGrpInfAndSts")
    if header is None or group is None:
        raise FormatError("the payment status report lacks its group header or original group information")
    return PaymentStatusReport(
        message_id=text(header, "MsgId"),
        created_at=iso_datetime(text(header, "CreDtTm"), "the report creation time"),
        original_message_id=text(group, "OrgnlMsgId"),
        original_message_type=text(group, "OrgnlMsgNmId"),
        stated_group_status=text(group, "GrpSts"),
        group_reasons=_reasons(group),
        original_number_of_transactions=_count(text(group, "OrgnlNbOfTxs")),
        original_control_sum=_control_sum(text(group, "OrgnlCtrlSum")),
        payment_infos=tuple(_payment_info(p) for p in findall(report, "OrgnlPmtInfAndSts")),
        version=_version(namespace(root)),
    )


def _version(uri: str) -> str | None:
    marker = uri.find("pain.002.")
    return uri[marker : marker + 15] if marker >= 0 else None


def _payment_info(element: etree._Element) -> PaymentInfoStatus:
    return PaymentInfoStatus(
        original_payment_info_id=text(element, "OrgnlPmtInfId"),
        status=text(element, "PmtInfSts"),
        reasons=_reasons(element),
        transactions=tuple(_transaction(t) for t in children(element, "TxInfAndSts")),
    )


def _transaction(element: etree._Element) -> PaymentStatus:
    return PaymentStatus(
        original_end_to_end_id=text(element, "OrgnlEndToEndId"),
        original_instruction_id=text(element, "OrgnlInstrId"),
        status=text(element, "TxSts"),
        reasons=_reasons(element),
    )


def _reasons(element: etree._Element) -> tuple[StatusReason, ...]:
    return tuple(
        StatusReason(
            code=text(info, "Rsn/Cd"),
            proprietary=text(info, "Rsn/Prtry"),
            text=" ".join(texts(info, "AddtlInf")) or None,
        )
        for info in children(element, "StsRsnInf")
    )


def _count(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise FormatError(f"the original number of transactions is not a number: {raw[:20]!r}")
    return int(raw)


def _control_sum(raw: str | None) -> Decimal | None:
    return None if raw is None else decimal_value(raw, "the original control sum")
