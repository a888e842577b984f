"""Figures for the home page, per legal entity the user may see, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from apps.access.selectors import visible_entities
from apps.banking.models import CompanyBankAccount
from apps.exceptions.choices import OPEN_STATUSES, Severity
from apps.exceptions.models import ExceptionCase
from apps.ledger.choices import PeriodStatus
from apps.ledger.models import AccountingPeriod
from apps.procurement.choices import InvoiceStatus, PurchaseOrderStatus
from apps.procurement.models import PurchaseOrder, SupplierInvoice
from apps.treasury.choices import PaymentStatus
from apps.treasury.models import CashPosition, PaymentInstruction

OPEN_INVOICE = [InvoiceStatus.RECEIVED, InvoiceStatus.MATCHED, InvoiceStatus.APPROVED, InvoiceStatus.POSTED,
                InvoiceStatus.DISPUTED]
PENDING_PAYMENT = [PaymentStatus.CREATED, PaymentStatus.HELD, PaymentStatus.APPROVED, PaymentStatus.SENT]


@dataclass
class EntitySummary:
    entity: object
    suppliers: int = 0
    open_pos: int = 0
    open_invoices: int = 0
    open_invoice_amount: Decimal = Decimal(0)
    pending_payments: int = 0
    pending_payment_amount: Decimal = Decimal(0)
    cash: list[tuple[str, Decimal]] = field(default_factory=list)
    open_period: str = ""
    closed_periods: int = 0
    open_exceptions: int = 0
    urgent_exceptions: int = 0


def home_summaries(*, user) -> list[EntitySummary]:
    entities = list(visible_entities(user).annotate(n_suppliers=Count("suppliers")).order_by("code"))
    by_id = {e.id: EntitySummary(entity=e, suppliers=e.n_suppliers) for e in entities}
    ids = list(by_id)

    for row in (PurchaseOrder.objects.filter(legal_entity_id__in=ids, status__in=[
            PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED])
            .values("legal_entity_id").annotate(n=Count("id"))):
        by_id[row["legal_entity_id"]].open_pos = row["n"]

    # Amounts are summed in the entity's functional currency only; foreign-currency documents are
    # counted but not added to a figure in another currency.
    for e in entities:
        by_id[e.id].open_invoice_amount = Decimal(0)
    for row in (SupplierInvoice.objects.filter(legal_entity_id__in=ids, status__in=OPEN_INVOICE)
                .values("legal_entity_id", "currency").annotate(n=Count("id"), total=Sum("gross_amount"))):
        summary = by_id[row["legal_entity_id"]]
        summary.open_invoices += row["n"]
        if row["currency"] == summary.entity.functional_currency:
            summary.open_invoice_amount += row["total"]

    for row in (PaymentInstruction.objects.filter(legal_entity_id__in=ids, status__in=PENDING_PAYMENT)
                .values("legal_entity_id", "currency").annotate(n=Count("id"), total=Sum("amount"))):
        summary = by_id[row["legal_entity_id"]]
        summary.pending_payments += row["n"]
        if row["currency"] == summary.entity.functional_currency:
            summary.pending_payment_amount += row["total"]

    latest_booked = (CashPosition.objects.filter(bank_account=OuterRef("pk"), kind="booked")
                     .order_by("-position_date", "-as_of").values("amount")[:1])
    totals: dict[tuple[int, str], Decimal] = {}
    accounts = (CompanyBankAccount.objects.filter(legal_entity_id__in=ids, is_active=True)
                .annotate(balance=Subquery(latest_booked)).values("legal_entity_id", "currency", "balance"))
    for account in accounts:
        if account["balance"] is not None:
            key = (account["legal_entity_id"], account["currency"])
            totals[key] = totals.get(key, Decimal(0)) + account["balance"]
    for (entity_id, currency), amount in sorted(totals.items()):
        by_id[entity_id].cash.append((currency, amount))

    urgent = [Severity.HIGH, Severity.CRITICAL]
    for row in (ExceptionCase.objects.filter(legal_entity_id__in=ids, status__in=OPEN_STATUSES)
                .values("legal_entity_id").annotate(n=Count("id"), urgent=Count("id", filter=Q(severity__in=urgent)))):
        summary = by_id[row["legal_entity_id"]]
        summary.open_exceptions, summary.urgent_exceptions = row["n"], row["urgent"]

    for row in (AccountingPeriod.objects.filter(legal_entity_id__in=ids)
                .values("legal_entity_id").annotate(
                    closed=Count("id", filter=~Q(status=PeriodStatus.OPEN)))):
        by_id[row["legal_entity_id"]].closed_periods = row["closed"]
    for period in (AccountingPeriod.objects.filter(legal_entity_id__in=ids, status=PeriodStatus.OPEN)
                   .order_by("legal_entity_id", "start_date")):
        summary = by_id[period.legal_entity_id]
        if not summary.open_period:
            summary.open_period = period.label
    return list(by_id.values())
