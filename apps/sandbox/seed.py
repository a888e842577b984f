"""Deterministic sandbox data: the same seed (and day) always gives the same records, byte for byte.

The cast (entities, accounts, cost centers, suppliers, items) is the demo's (apps/demo/catalog.py), so
what the sandbox systems serve lines up with FinSync's master data in the demo.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from schwifty import IBAN

from apps.demo import catalog

from . import bankfiles
from .choices import BankFileFormat, BankFileKind, CoupaResource, SandboxSystem, TreasuryResource
from .models import BankFile, CoupaObject, ErpPayment, FaultProfile, SandboxClient, TreasuryObject

# Fixed, documented sandbox credentials: the demo seeds its connectors with them.
CLIENTS = {
    SandboxSystem.ERP: ("finsync-erp", "sandbox-erp-secret"),
    SandboxSystem.COUPA: ("finsync-coupa", "sandbox-coupa-api-key"),
    SandboxSystem.TREASURY: ("finsync-treasury", "sandbox-treasury-secret"),
    SandboxSystem.BANK: ("finsync-bank", "sandbox-bank-secret"),
}
ENTITY_CURRENCY = {code: ccy for code, _name, _country, ccy, _tax, _tz in catalog.ENTITIES}
COUNTRY_ENTITY = {country: code for code, _name, country, *_ in catalog.ENTITIES}
STATUS_MIX = ["approved"] * 6 + ["pending_approval"] * 2 + ["draft", "voided"]
N_PURCHASE_ORDERS = 40
N_INVOICES = 60
N_PAYMENTS = 40
STATEMENT_DAYS = 2


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _account(ident) -> tuple[str, str]:
    """(IBAN or account number, routing number or '') of a catalog company account."""
    if len(ident) == 3:
        return IBAN.generate(ident[0], bank_code=ident[1], account_code=ident[2]).compact, ""
    return ident[0], ident[1]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def build(*, seed: int, today: date) -> dict[str, list]:
    """Every sandbox row for this seed and day, unsaved. Consumes the random the same way every time."""
    rng = random.Random(seed)
    start = datetime.combine(today - timedelta(days=30), time(8), tzinfo=UTC)
    rows: dict[str, list] = {"faults": [], "clients": [], "coupa": [], "treasury": [], "erp_payments": [],
                             "bank_files": []}
    for system in SandboxSystem.values:
        rows["faults"].append(FaultProfile(system=system, seed=seed))
        client_id, secret = CLIENTS[system]
        rows["clients"].append(SandboxClient(system=system, client_id=client_id, client_secret=secret))
    rows["coupa"] = _coupa(rng, start)
    rows["treasury"], rows["erp_payments"] = _treasury(rng, start, today)
    rows["bank_files"] = _statements(rng, today)
    return rows


# The last supplier's tax id fails its checksum on purpose: the demo shows the control catching it.
BAD_TAX_ID_SUPPLIER = len(catalog.SUPPLIERS)


def _supplier_tax_id(rng: random.Random, n: int, country: str) -> str:
    """A tax id valid for the country (one draw from `rng`, so the rest of the seed stays the same)."""
    valid = catalog.tax_id(random.Random(rng.randint(100000000, 999999999)), country)
    if n == BAD_TAX_ID_SUPPLIER:  # a German VAT number with its check digit off by one
        return valid[:-1] + str((int(valid[-1]) + 1) % 10)
    return valid


def _coupa(rng: random.Random, start: datetime) -> list[CoupaObject]:
    objs: list[CoupaObject] = []

    def add(resource: str, coupa_id: int, created: datetime, data: dict) -> None:
        # Whole seconds, like Coupa: records created in one batch share a timestamp, so paging needs a tiebreaker.
        moment = created.replace(microsecond=0)
        objs.append(CoupaObject(resource=resource, coupa_id=coupa_id, created_at=moment, updated_at=moment, data=data))

    suppliers = []
    for n, (name, country) in enumerate(catalog.SUPPLIERS, start=1):
        number = f"S{1000 + n}"
        suppliers.append((n, name, number, country))
        add(CoupaResource.SUPPLIER, n, start + timedelta(minutes=n // 4), {
            "name": name, "display-name": name, "number": number, "status": "active",
            "tax-id": _supplier_tax_id(rng, n, country),
            "primary-address": {"street1": f"{rng.randint(1, 200)} Market Street", "city": catalog_city(country),
                                "postal-code": f"{rng.randint(10000, 99999)}", "country": {"code": country}},
            "payment-term": {"code": rng.choice(["Net 30", "Net 45", "Net 60"])},
            "invoice-matching-level": rng.choice(["2-way", "3-way"]),
        })
    order_lines = []
    for n in range(1, N_PURCHASE_ORDERS + 1):
        sid, sname, snumber, country = rng.choice(suppliers)
        entity = COUNTRY_ENTITY.get(country, "DE01")
        currency = ENTITY_CURRENCY[entity]
        lines = []
        for line_num in range(1, rng.randint(1, 3) + 1):
            item, account, cost_center, price = rng.choice(catalog.ITEMS)
            quantity = rng.randint(1, 10)
            line_id = n * 10 + line_num
            lines.append({"id": line_id, "line-num": line_num, "description": item, "quantity": f"{quantity}.0",
                          "price": f"{price:.2f}", "total": f"{price * quantity:.2f}",
                          "account": {"code": f"{entity}-{account}-{cost_center}", "segment-1": entity,
                                      "segment-2": account, "segment-3": cost_center}})
            order_lines.append((n, line_id, line_num, quantity, price, entity, sid, sname, snumber, currency, item,
                                account, cost_center))
        add(CoupaResource.PURCHASE_ORDER, n, start + timedelta(hours=2, minutes=n // 5), {
            "po-number": f"PO-{entity}-{n:05d}", "status": "issued", "currency": {"code": currency},
            "supplier": {"id": sid, "name": sname, "number": snumber}, "account-type": {"name": entity},
            "order-lines": lines})
    receipt_id = 0
    for po, line_id, line_num, quantity, price, entity, *_rest in order_lines:
        if rng.random() < 0.7:
            receipt_id += 1
            add(CoupaResource.RECEIPT, receipt_id, start + timedelta(days=3, minutes=receipt_id // 5), {
                "transaction-type": "ReceivingQuantityConsumption", "status": "created",
                "quantity": f"{quantity}.0", "price": f"{price:.2f}", "total": f"{price * quantity:.2f}",
                "transaction-date": _ts(start + timedelta(days=3)),
                "order-line": {"id": line_id, "line-num": line_num, "order-header-id": po,
                               "po-number": f"PO-{entity}-{po:05d}"}})
    for n in range(1, N_INVOICES + 1):
        po, line_id, _ln, quantity, price, entity, sid, sname, snumber, currency, item, account, cc = rng.choice(
            order_lines)
        net = Decimal(price * quantity)
        tax = (net * Decimal("0.19")).quantize(Decimal("0.01")) if entity == "DE01" else Decimal("0.00")
        add(CoupaResource.INVOICE, n, start + timedelta(days=5, minutes=n // 6), {
            "invoice-number": f"INV-{snumber}-{n:04d}", "invoice-date": (start + timedelta(days=4)).date().isoformat(),
            "status": rng.choice(STATUS_MIX), "currency": {"code": currency},
            "supplier": {"id": sid, "name": sname, "number": snumber}, "account-type": {"name": entity},
            "payment-term": {"code": "Net 30"}, "net-total": f"{net:.2f}", "tax-amount": f"{tax:.2f}",
            "gross-total": f"{net + tax:.2f}",
            "invoice-lines": [{"line-num": 1, "description": item, "quantity": f"{quantity}.0",
                               "price": f"{price:.2f}", "total": f"{net:.2f}", "tax-amount": f"{tax:.2f}",
                               "order-line-id": line_id, "po-number": f"PO-{entity}-{po:05d}",
                               "account": {"code": f"{entity}-{account}-{cc}", "segment-1": entity,
                                           "segment-2": account, "segment-3": cc}}]})
    return objs


def catalog_city(country: str) -> str:
    return {"DE": "Hamburg", "NL": "Rotterdam", "GB": "London", "US": "Chicago"}.get(country, "Hamburg")


def _treasury(rng: random.Random, start: datetime, today: date):
    objs: list[TreasuryObject] = []
    payments: list[ErpPayment] = []
    accounts = [(entity, name, *_account(ident), ccy) for entity, _bic, name, ident, ccy in catalog.COMPANY_ACCOUNTS]
    for n in range(1, N_PAYMENTS + 1):
        entity, name, number, _routing, currency = rng.choice(accounts)
        supplier, country = rng.choice(catalog.SUPPLIERS)
        amount = _money(rng, 100, 25000)
        reference = f"E2E-{entity}-{n:06d}"
        executed = start + timedelta(days=10 + n // 8)
        moment = (executed + timedelta(milliseconds=rng.randint(0, 999))).replace(microsecond=0)
        objs.append(TreasuryObject(resource=TreasuryResource.PAYMENT, uuid=uuid.UUID(int=rng.getrandbits(128)),
                                   updated_at=moment, data={
            "reference": f"PAY-{n:06d}", "endToEndId": reference, "status": "EXECUTED",
            "company": {"code": entity}, "account": {"code": f"{entity}-{currency}-{name.split()[-1].upper()}",
                                                      "number": number},
            "beneficiary": {"name": supplier, "country": country}, "amount": f"{amount:.2f}", "currency": currency,
            "valueDate": (executed.date() + timedelta(days=1)).isoformat(),
            "executionDate": executed.date().isoformat()}))
        payments.append(ErpPayment(reference=reference, company_code=entity, supplier_name=supplier, amount=amount,
                                   currency=currency))
    for entity, name, number, _routing, currency in accounts:
        balance = _money(rng, 50_000, 2_000_000)
        for back in range(5, 0, -1):
            day = today - timedelta(days=back)
            balance += _money(rng, -40_000, 40_000)
            objs.append(TreasuryObject(resource=TreasuryResource.CASH_POSITION,
                                       uuid=uuid.UUID(int=rng.getrandbits(128)),
                                       updated_at=datetime.combine(day, time(18), tzinfo=UTC), data={
                "company": {"code": entity}, "account": {"code": f"{entity}-{currency}-{name.split()[-1].upper()}",
                                                          "number": number},
                "currency": currency, "date": day.isoformat(), "balanceType": "CLOSING_BOOKED",
                "amount": f"{balance:.2f}"}))
    return objs, payments


def _statements(rng: random.Random, today: date) -> list[BankFile]:
    files: list[BankFile] = []
    for index, (entity, _bic, _name, ident, currency) in enumerate(catalog.COMPANY_ACCOUNTS, start=1):
        number, routing = _account(ident)
        opening = _money(rng, 10_000, 900_000)
        for back in range(STATEMENT_DAYS, 0, -1):
            day = today - timedelta(days=back)
            entries = []
            for k in range(rng.randint(2, 5)):
                supplier, _country = rng.choice(catalog.SUPPLIERS)
                credit = rng.random() < 0.4
                entries.append(bankfiles.Entry(amount=_money(rng, 50, 20_000), credit=credit,
                                               text=f"{'Receipt' if credit else 'Payment'} {supplier}"[:60],
                                               reference=f"E2E-{entity}-{day:%m%d}-{k}"))
            message_id = f"STMT-{index:02d}-{day:%Y%m%d}"
            created = datetime.combine(day, time(23, 30), tzinfo=UTC)
            if routing:  # US accounts: the bank delivers MT940
                content = bankfiles.mt940(reference=message_id.replace("-", "")[:16], account=f"{routing}/{number}",
                                          currency=currency, day=day, sequence=day.timetuple().tm_yday,
                                          opening=opening, entries=entries)
                fmt, suffix = BankFileFormat.MT940, "sta"
            else:
                content = bankfiles.camt053(message_id=message_id, created=created, iban=number, currency=currency,
                                            day=day, opening=opening, entries=entries)
                fmt, suffix = BankFileFormat.CAMT053, "xml"
            opening = bankfiles.closing_balance(opening, entries)
            files.append(BankFile(kind=BankFileKind.STATEMENT, format=fmt, filename=f"{message_id}.{suffix}",
                                  content=content, message_id=message_id))
    return files
