"""`demo_seed`: realistic, deterministic demo data. Idempotent: every row has a natural key, and a
second run creates nothing new (it returns how many rows it created, by model)."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from schwifty import IBAN

from apps.access.services import user_create
from apps.banking.models import CompanyBankAccount
from apps.common.money import quantize
from apps.ledger.choices import JournalStatus, PeriodStatus
from apps.ledger.models import AccountingPeriod, CostCenter, GLAccount, JournalEntry, JournalLine
from apps.masterdata.choices import BankAccountStatus, SystemKind
from apps.masterdata.models import Bank, LegalEntity, SourceSystem, Supplier, SupplierBankAccount
from apps.procurement.choices import InvoiceStatus, PurchaseOrderStatus
from apps.procurement.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierInvoice,
    SupplierInvoiceLine,
)
from apps.treasury.choices import BatchStatus, CashPositionKind, PaymentStatus
from apps.treasury.models import CashPosition, PaymentBatch, PaymentInstruction

from . import catalog
from .integrations import seed_integrations
from .interfaces import catalog_seed
from .running import demo_faults_seed, demo_schedules_seed, demo_service_levels_seed

SOURCE_SYSTEMS = [
    ("sap-s4", "SAP S/4HANA (sandbox)", SystemKind.GL, "SAP S/4HANA"),
    ("coupa", "Coupa (sandbox)", SystemKind.PROCUREMENT, "Coupa"),
    ("kyriba", "Kyriba (sandbox)", SystemKind.TREASURY, "Kyriba"),
    ("bank-channel", "Bank channel (sandbox)", SystemKind.BANK, "EBICS/SFTP host-to-host"),
]
POS_PER_ENTITY = 80
CITY = {"DE": "Hamburg", "NL": "Rotterdam", "GB": "London", "US": "Chicago"}
VAT_RATE = {"DE": Decimal("0.19"), "NL": Decimal("0.21"), "GB": Decimal("0.20"), "US": Decimal("0")}


class _Tally(Counter):
    def created(self, model, n: int = 1) -> None:
        if n:
            self[model.__name__] += n


def _get_or_create(tally: _Tally, model, defaults=None, **lookup):
    obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
    if created:
        tally.created(model)
    return obj


@transaction.atomic
def demo_seed(*, seed: int = 20261126, today: date | None = None) -> dict[str, int]:
    """Create the demo world. Returns rows created by model (all zero on a second run)."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    tally = _Tally()

    systems = {code: _get_or_create(tally, SourceSystem, code=code, defaults={"name": name, "kind": kind,
                                                                              "vendor": vendor})
               for code, name, kind, vendor in SOURCE_SYSTEMS}
    entities = {}
    for code, name, country, ccy, tax_id, tz in catalog.ENTITIES:
        entities[code] = _get_or_create(tally, LegalEntity, code=code, defaults={
            "name": name, "country": country, "functional_currency": ccy, "tax_id": tax_id, "time_zone": tz})
    banks = {bic: _get_or_create(tally, Bank, bic=bic, defaults={"name": name, "country": country})
             for name, bic, country in catalog.BANKS}
    company_accounts = _seed_company_accounts(tally, entities, banks)
    gl, ccs = _seed_ledger_master(tally, entities)
    _seed_periods(tally, entities, today)
    suppliers = _seed_suppliers(tally, rng, entities)
    _seed_users(tally, entities)
    for code, entity in entities.items():
        _seed_documents(tally, rng, entity, suppliers[code], company_accounts[code], gl[code], ccs[code],
                        systems, today)
        _seed_cash(tally, rng, company_accounts[code], today)
    if settings.FINSYNC_SANDBOX:
        seed_integrations(tally, systems)
        tally["PeriodicTask"] += demo_schedules_seed()
        tally["sandbox.FaultProfile (faults on)"] += demo_faults_seed()
    tally["SlaVersion"] += demo_service_levels_seed()
    tally["CatalogEntry"] += catalog_seed()
    return {k: v for k, v in tally.items() if v}


def _seed_company_accounts(tally, entities, banks) -> dict[str, list[CompanyBankAccount]]:
    result: dict[str, list[CompanyBankAccount]] = {code: [] for code in entities}
    for entity_code, bic, name, ident, ccy in catalog.COMPANY_ACCOUNTS:
        if len(ident) == 3:
            iban = IBAN.generate(ident[0], bank_code=ident[1], account_code=ident[2]).compact
            lookup, extra = {"iban": iban}, {}
        else:
            lookup, extra = {"account_number": ident[0], "currency": ccy}, {"routing_number": ident[1]}
        account = _get_or_create(tally, CompanyBankAccount, **lookup, defaults={
            "legal_entity": entities[entity_code], "bank": banks[bic], "name": name, "bic": bic, "currency": ccy,
            **extra})
        result[entity_code].append(account)
    return result


def _seed_ledger_master(tally, entities):
    gl: dict[str, dict[str, GLAccount]] = {}
    ccs: dict[str, dict[str, CostCenter]] = {}
    for code, entity in entities.items():
        gl[code] = {acc: _get_or_create(tally, GLAccount, legal_entity=entity, code=acc, defaults={
            "name": name, "account_type": kind, "is_active": acc not in catalog.INACTIVE_ACCOUNTS})
            for acc, name, kind in catalog.ACCOUNTS}
        ccs[code] = {cc: _get_or_create(tally, CostCenter, legal_entity=entity, code=cc, defaults={
            "name": name, "is_active": cc not in catalog.INACTIVE_COST_CENTERS})
            for cc, name in catalog.COST_CENTERS}
    return gl, ccs


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _seed_periods(tally, entities, today: date) -> None:
    """Calendar-month periods for last year and this year. Months before last month are closed;
    last year's are locked; last month and later stay open."""
    for entity in entities.values():
        for year in (today.year - 1, today.year):
            for month in range(1, 13):
                start = date(year, month, 1)
                months_ago = (today.year - year) * 12 + today.month - month
                if year < today.year:
                    status = PeriodStatus.LOCKED
                elif months_ago >= 2:
                    status = PeriodStatus.CLOSED
                else:
                    status = PeriodStatus.OPEN
                _get_or_create(tally, AccountingPeriod, legal_entity=entity, fiscal_year=year, number=month,
                               defaults={"start_date": start, "end_date": _month_end(year, month), "status": status})


def _seed_suppliers(tally, rng, entities) -> dict[str, list[Supplier]]:
    by_country = {e.country: code for code, e in entities.items()}
    result: dict[str, list[Supplier]] = {code: [] for code in entities}
    previous_tax: dict[str, str] = {}
    for index, (name, country) in enumerate(catalog.SUPPLIERS, start=1):
        entity = entities[by_country.get(country, "DE01")]
        # Near-duplicates share the tax id of the firm they duplicate (the key is the first word).
        key = name.split()[0].rstrip(",").upper().replace("Ü", "U")
        if key not in previous_tax:
            previous_tax[key] = catalog.tax_id(rng, country)
        if index in catalog.NEW_IN_PROCUREMENT:
            rng.choice(catalog.SUPPLIER_BANKS[country]), rng.randrange(10_000_000, 99_999_999)  # same draws
            continue
        domain = re.sub("[^a-z0-9]", "", key.lower()) or "supplier"
        supplier = _get_or_create(tally, Supplier, legal_entity=entity, number=f"V{index:05d}", defaults={
            "name": name, "country": country, "tax_id": previous_tax[key], "city": CITY[country],
            "email": f"ap@{domain}.example"})
        if not supplier.tax_id_normalized:
            supplier.full_clean(exclude=["merged_into"])
            supplier.save(update_fields=["tax_id_normalized"])
        result[entity.code].append(supplier)
        if not supplier.bank_accounts.exists():
            bank_country, bank_code = rng.choice(catalog.SUPPLIER_BANKS[country])
            account_no = str(rng.randrange(10_000_000, 99_999_999))
            if country == "US":
                fields = {"account_number": account_no, "routing_number": bank_code}
            else:
                fields = {"iban": IBAN.generate(bank_country, bank_code=bank_code, account_code=account_no).compact}
            SupplierBankAccount.objects.create(supplier=supplier, country=country, currency=entity.functional_currency,
                                               status=BankAccountStatus.ACTIVE, **fields)
            tally.created(SupplierBankAccount)
    return result


def _seed_users(tally, entities) -> None:
    user_model = get_user_model()
    for username, first, last, roles, entity_codes in catalog.USERS:
        existed = user_model.objects.filter(username=username).exists()
        scope = [entities[c] for c in entity_codes] if entity_codes else list(entities.values())
        user = user_create(username=username, password=catalog.DEMO_PASSWORD, roles=roles, entities=scope,
                           first_name=first, last_name=last, email=f"{username}@finsync.example")
        if username == "admin" and not user.is_superuser:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        if not existed:
            tally.created(user_model)


def _seed_documents(tally, rng, entity, suppliers, bank_accounts, gl, ccs, systems, today) -> None:
    """Purchase orders with receipts and invoices, the invoices' journals, and payments in batches."""
    if PurchaseOrder.objects.filter(legal_entity=entity).exists():
        return  # documents are seeded as a block per entity; a second run leaves them alone
    ccy = entity.functional_currency
    vat = VAT_RATE[entity.country]
    home_account = next(a for a in bank_accounts if a.currency == ccy)
    open_periods = {(p.fiscal_year, p.number): p for p in AccountingPeriod.objects.filter(legal_entity=entity)}
    journal_no = 0
    batches: dict[date, PaymentBatch] = {}
    for n in range(1, POS_PER_ENTITY + 1):
        supplier = rng.choice(suppliers)
        order_date = today - timedelta(days=rng.randint(5, 150))
        po = PurchaseOrder.objects.create(legal_entity=entity, supplier=supplier, number=f"{entity.code}-PO{n:05d}",
                                          order_date=order_date, currency=ccy)
        total = Decimal(0)
        lines = []
        for line_no in range(1, rng.randint(1, 3) + 1):
            desc, acc, cc, price = rng.choice(catalog.ITEMS)
            qty = Decimal(rng.randint(1, 12))
            unit = quantize(Decimal(price) * Decimal(rng.uniform(0.85, 1.15)).quantize(Decimal("0.01")), ccy)
            amount = quantize(qty * unit, ccy)
            lines.append(PurchaseOrderLine.objects.create(
                purchase_order=po, line_no=line_no, description=desc, quantity=qty, unit_price=unit, amount=amount,
                account=gl[acc], cost_center=ccs[cc]))
            total += amount
        po.total_amount = total
        tally.created(PurchaseOrder)
        tally.created(PurchaseOrderLine, len(lines))
        if rng.random() < 0.75:
            receipt = GoodsReceipt.objects.create(purchase_order=po, number=f"GR{n:05d}",
                                                  received_date=order_date + timedelta(days=rng.randint(2, 10)))
            GoodsReceiptLine.objects.bulk_create(
                [GoodsReceiptLine(receipt=receipt, po_line=pl, quantity=pl.quantity) for pl in lines])
            tally.created(GoodsReceipt)
            tally.created(GoodsReceiptLine, len(lines))
            po.status = PurchaseOrderStatus.RECEIVED
        po.save(update_fields=["total_amount", "status"])
        if po.status != PurchaseOrderStatus.RECEIVED or rng.random() < 0.15:
            continue
        invoice_date = min(today, order_date + timedelta(days=rng.randint(5, 20)))
        tax = quantize(total * vat, ccy)
        status = rng.choices([InvoiceStatus.RECEIVED, InvoiceStatus.APPROVED, InvoiceStatus.POSTED, InvoiceStatus.PAID],
                             weights=[2, 2, 3, 5])[0]
        invoice = SupplierInvoice.objects.create(
            legal_entity=entity, supplier=supplier, purchase_order=po, number=f"INV-{rng.randint(10000, 99999)}-{n}",
            invoice_date=invoice_date, due_date=invoice_date + timedelta(days=30), currency=ccy, net_amount=total,
            tax_amount=tax, gross_amount=total + tax, status=status)
        SupplierInvoiceLine.objects.bulk_create([SupplierInvoiceLine(
            invoice=invoice, line_no=pl.line_no, po_line=pl, description=pl.description, quantity=pl.quantity,
            unit_price=pl.unit_price, amount=pl.amount, account=pl.account, cost_center=pl.cost_center,
            tax_code="V1" if vat else "") for pl in lines])
        tally.created(SupplierInvoice)
        tally.created(SupplierInvoiceLine, len(lines))
        if status in (InvoiceStatus.POSTED, InvoiceStatus.PAID):
            journal_no += 1
            period = open_periods[(invoice_date.year, invoice_date.month)]
            _journal(tally, entity, f"{entity.code}-JE{journal_no:06d}", invoice_date, period, systems["sap-s4"],
                     f"AP invoice {invoice.number} {supplier.name}"[:255],
                     [(gl[pl.account.code], pl.cost_center, pl.amount, 0) for pl in lines]
                     + ([(gl["1600"], None, tax, 0)] if tax else []) + [(gl["2000"], None, 0, total + tax)])
        if status == InvoiceStatus.PAID:
            pay_date = invoice.due_date if invoice.due_date <= today else today - timedelta(days=rng.randint(0, 3))
            batch = batches.get(pay_date)
            if batch is None:
                batch = PaymentBatch.objects.create(
                    legal_entity=entity, reference=f"{entity.code}-B{pay_date:%Y%m%d}", debtor_account=home_account,
                    requested_execution_date=pay_date, currency=ccy,
                    status=BatchStatus.COMPLETED if pay_date < today else BatchStatus.PENDING_RELEASE)
                batches[pay_date] = batch
                tally.created(PaymentBatch)
            account = supplier.bank_accounts.first()
            e2e = f"{entity.code}E2E{n:06d}"
            PaymentInstruction.objects.create(
                legal_entity=entity, batch=batch, supplier=supplier, supplier_bank_account=account, invoice=invoice,
                end_to_end_id=e2e, instruction_id=f"I{n:06d}", idempotency_key=f"demo:{e2e}",
                amount=invoice.gross_amount, currency=ccy, creditor_name=supplier.name[:140],
                creditor_iban=account.iban, creditor_account_number=account.account_number,
                remittance_info=f"Invoice {invoice.number}", requested_date=pay_date,
                status=PaymentStatus.SETTLED if batch.status == BatchStatus.COMPLETED else PaymentStatus.APPROVED)
            tally.created(PaymentInstruction)
            if batch.status == BatchStatus.COMPLETED:
                journal_no += 1
                _journal(tally, entity, f"{entity.code}-JE{journal_no:06d}", pay_date,
                         open_periods[(pay_date.year, pay_date.month)], systems["kyriba"],
                         f"Payment {e2e} {supplier.name}"[:255],
                         [(gl["2000"], None, invoice.gross_amount, 0), (gl["1200"], None, 0, invoice.gross_amount)])


def _journal(tally, entity, number, posting_date, period, system, description, lines) -> None:
    entry = JournalEntry.objects.create(
        legal_entity=entity, number=number, posting_date=posting_date, document_date=posting_date, period=period,
        description=description, source_system=system, status=JournalStatus.POSTED,
        posted_at=timezone.make_aware(datetime.combine(posting_date, time(18, 0))))
    ccy = entity.functional_currency
    JournalLine.objects.bulk_create([
        JournalLine(entry=entry, line_no=i, account=account, cost_center=cc, currency=ccy, debit=debit,
                    credit=credit, functional_debit=debit, functional_credit=credit)
        for i, (account, cc, debit, credit) in enumerate(lines, start=1)])
    tally.created(JournalEntry)
    tally.created(JournalLine, len(lines))


def _seed_cash(tally, rng, accounts, today) -> None:
    """Thirty days of booked end-of-day balances per account (a random walk around a realistic level)."""
    for account in accounts:
        if CashPosition.objects.filter(bank_account=account).exists():
            continue
        balance = Decimal(rng.randint(200_000, 4_000_000))
        rows = []
        for days_ago in range(30, 0, -1):
            day = today - timedelta(days=days_ago)
            move = Decimal(rng.randint(-150_000, 160_000))
            balance = quantize(max(Decimal(25_000), balance + move), account.currency)
            rows.append(CashPosition(legal_entity=account.legal_entity, bank_account=account, currency=account.currency,
                                     kind=CashPositionKind.BOOKED, position_date=day, amount=balance,
                                     as_of=timezone.make_aware(datetime.combine(day, time(23, 59)))))
        CashPosition.objects.bulk_create(rows)
        tally.created(CashPosition, len(rows))
