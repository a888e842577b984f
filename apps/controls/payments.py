"""Payment controls: idempotent payment instructions, the hold on payments to a recently changed supplier
bank account, and the release of a payment batch by someone other than its creator.

Creating and releasing both need `release_payments`; the same person may hold the capability for both,
so segregation of duties is per batch: its creator can never release it (service + the database
CheckConstraint `paymentbatch_four_eyes`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.audit.services import audit_record
from apps.banking.models import CompanyBankAccount
from apps.common.errors import DomainError, PermissionDenied
from apps.common.money import is_currency, minor_units, quantize
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise, exceptions_auto_resolve
from apps.masterdata.choices import BankAccountStatus
from apps.masterdata.models import LegalEntity, SupplierBankAccount
from apps.masterdata.validators import normalize_iban
from apps.treasury.choices import BatchStatus, PaymentStatus
from apps.treasury.models import PaymentBatch, PaymentInstruction

from .selectors import control_settings_for


@dataclass(frozen=True)
class PaymentOrder:
    """What to pay: an amount in a currency to one approved supplier bank account on a date."""

    legal_entity: LegalEntity
    supplier_bank_account: SupplierBankAccount
    amount: Decimal
    currency: str
    requested_date: date
    remittance_info: str = ""
    invoice: object | None = None


def _require(actor, what: str) -> None:
    if not can(actor, Capability.RELEASE_PAYMENTS):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def bank_account_changed_at(account: SupplierBankAccount) -> datetime:
    """When the account became what payments go to: its approval (or creation, for accounts loaded as active)."""
    return account.approved_at or account.created_at


def hold_reason(account: SupplierBankAccount, *, entity_id: int, now: datetime | None = None) -> str:
    """Why a payment to `account` must wait for review now ("" when it need not): the account changed within
    the entity's `bank_change_hold_days`."""
    now = now or timezone.now()
    days = control_settings_for(entity_id, at=now).bank_change_hold_days
    changed = bank_account_changed_at(account)
    if days and changed > now - timedelta(days=days):
        return (f"the supplier's bank account {account} changed on {changed:%Y-%m-%d} (less than {days} days ago); "
                "confirm it with the supplier before paying")
    return ""


def _end_to_end_id(key: str) -> str:
    return "FS" + hashlib.sha256(key.encode()).hexdigest()[:30].upper()


def _same_order(payment: PaymentInstruction, order: PaymentOrder, amount: Decimal) -> bool:
    return (payment.legal_entity_id, payment.supplier_bank_account_id, payment.amount, payment.currency,
            payment.requested_date) == (order.legal_entity.pk, order.supplier_bank_account.pk, amount,
                                        order.currency, order.requested_date)


def payment_instruction_create(*, idempotency_key: str, order: PaymentOrder, actor,
                               ip_address: str | None = None) -> tuple[PaymentInstruction, bool]:
    """Create a payment instruction once per idempotency key: the same key again returns the first payment
    (created False); the same key with a different payment is refused. A payment to a supplier bank account
    that changed recently is created HELD, with a `payment.held` exception, until someone reviews it."""
    _require(actor, "create payments")
    key = idempotency_key.strip()
    if not key or len(key) > 80:
        raise DomainError("An idempotency key of 1 to 80 characters is required.", code="invalid_key")
    if order.legal_entity.pk not in entity_ids(actor):
        raise DomainError("No such legal entity.", code="not_found")
    if not is_currency(order.currency):
        raise DomainError(f"{order.currency!r} is not a currency.", code="invalid_currency")
    amount = quantize(Decimal(order.amount), order.currency)
    if amount <= 0:
        raise DomainError("A payment is for more than zero.", code="invalid_amount")
    account = order.supplier_bank_account
    existing = PaymentInstruction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _replayed(existing, order, amount)
    if account.supplier.legal_entity_id != order.legal_entity.pk:
        raise DomainError("The bank account belongs to another legal entity's supplier.", code="not_found")
    if account.status != BankAccountStatus.ACTIVE:
        raise DomainError(f"The supplier bank account {account} is {account.get_status_display().lower()}: only an "
                          "approved account can be paid.", code="account_not_approved")
    if account.currency != order.currency:
        raise DomainError(f"The account is in {account.currency}, the payment in {order.currency}.",
                          code="currency_mismatch")
    held = hold_reason(account, entity_id=order.legal_entity.pk)
    try:
        with transaction.atomic():
            payment = PaymentInstruction.objects.create(
                legal_entity=order.legal_entity, supplier=account.supplier, supplier_bank_account=account,
                invoice=order.invoice, end_to_end_id=_end_to_end_id(key), idempotency_key=key, amount=amount,
                currency=order.currency, creditor_name=account.supplier.name[:140], creditor_iban=account.iban,
                creditor_bic=account.bic, creditor_account_number=account.account_number,
                remittance_info=order.remittance_info[:140], requested_date=order.requested_date,
                status=PaymentStatus.HELD if held else PaymentStatus.CREATED)
            audit_record(action="payment.created", actor=actor, obj=payment, legal_entity=order.legal_entity,
                         after={"amount": str(amount), "currency": order.currency, "account": str(account),
                                "status": payment.status, "key": key}, ip_address=ip_address)
            if held:
                _raise_hold(payment, held)
    except IntegrityError:
        # The same key created a moment ago by a concurrent request: the unique key decides, answer with it.
        existing = PaymentInstruction.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _replayed(existing, order, amount)
    return payment, True


def _replayed(existing: PaymentInstruction, order: PaymentOrder, amount: Decimal) -> tuple[PaymentInstruction, bool]:
    if not _same_order(existing, order, amount):
        raise DomainError("This idempotency key was used for a different payment; use a new key for a new payment.",
                          code="idempotency_conflict", extra={"payment": existing.end_to_end_id})
    return existing, False


def _raise_hold(payment: PaymentInstruction, reason: str) -> None:
    exception_raise(kind="payment.held", subject=f"payment:{payment.pk}:held", reference=payment.end_to_end_id,
                    legal_entity=payment.legal_entity, supplier=payment.supplier, payment_batch=payment.batch,
                    record_type="payment", cause="payment to a recently changed bank account",
                    message=f"Payment {payment.end_to_end_id} of {payment.amount} {payment.currency} to "
                            f"{payment.creditor_name} is held: {reason}.",
                    details={"payment_id": payment.pk, "account_id": payment.supplier_bank_account_id})


@transaction.atomic
def payment_hold_release(*, payment: PaymentInstruction, actor, note: str,
                         ip_address: str | None = None) -> PaymentInstruction:
    """A person confirmed the changed bank account with the supplier: the held payment may be batched."""
    _require(actor, "release held payments")
    if len(note.strip()) < 10:
        raise DomainError("Say how the bank account was confirmed (at least 10 characters).", code="note_required")
    if payment.legal_entity_id not in entity_ids(actor):
        raise DomainError("No such payment.", code="not_found")
    if not PaymentInstruction.objects.filter(pk=payment.pk, status=PaymentStatus.HELD).update(
            status=PaymentStatus.CREATED, updated_at=timezone.now()):
        raise DomainError("This payment is not held.", code="not_held")
    payment.refresh_from_db()
    audit_record(action="payment.hold_released", actor=actor, obj=payment, legal_entity=payment.legal_entity,
                 before={"status": PaymentStatus.HELD}, after={"status": payment.status}, reason=note.strip(),
                 ip_address=ip_address)
    exceptions_auto_resolve(cases=ExceptionCase.objects.filter(kind="payment.held", details__payment_id=payment.pk,
                                                               status__in=OPEN_STATUSES),
                            note=f"hold released by {actor.get_username()}: {note.strip()}")
    return payment


@transaction.atomic
def payment_batch_create(*, legal_entity: LegalEntity, debtor_account: CompanyBankAccount,
                         payments: list[PaymentInstruction], requested_execution_date: date, actor,
                         reference: str = "", idempotency_key: str = "", ip_address: str | None = None) -> PaymentBatch:
    """Put unbatched payments of one entity and currency into a batch awaiting release by someone else.
    With an `idempotency_key`, the same key again answers with the batch it created (its creator only)."""
    _require(actor, "create payment batches")
    if legal_entity.pk not in entity_ids(actor) or debtor_account.legal_entity_id != legal_entity.pk:
        raise DomainError("No such legal entity or bank account.", code="not_found")
    key = idempotency_key.strip()
    if len(key) > 80:
        raise DomainError("An idempotency key has at most 80 characters.", code="invalid_key")
    if key and (existing := _batch_for_key(key, actor)) is not None:
        return existing
    ids = sorted({p.pk for p in payments})
    rows = list(PaymentInstruction.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if key and (existing := _batch_for_key(key, actor)) is not None:
        return existing  # a concurrent submit of the same form got the payments' locks first and committed
    if not rows or len(rows) != len(ids):
        raise DomainError("Choose at least one payment.", code="no_payments")
    currencies = {p.currency for p in rows}
    problems = [p.end_to_end_id for p in rows if p.legal_entity_id != legal_entity.pk or p.batch_id is not None
                or p.status not in (PaymentStatus.CREATED, PaymentStatus.HELD)]
    if problems or len(currencies) != 1 or debtor_account.currency not in currencies:
        raise DomainError("A batch takes unbatched, unsent payments of one entity in the debtor account's currency"
                          + (f"; not: {', '.join(problems[:10])}." if problems else "."), code="invalid_batch")
    now = timezone.now()
    batch = PaymentBatch.objects.create(
        legal_entity=legal_entity, debtor_account=debtor_account, currency=currencies.pop(),
        reference=reference or f"FS{now:%Y%m%d%H%M%S%f}"[:35], requested_execution_date=requested_execution_date,
        status=BatchStatus.PENDING_RELEASE, created_by=actor, idempotency_key=key)
    PaymentInstruction.objects.filter(pk__in=ids).update(batch=batch, updated_at=now)
    audit_record(action="payment_batch.created", actor=actor, obj=batch, legal_entity=legal_entity,
                 after={"payments": len(ids), "total": str(sum(p.amount for p in rows)), "currency": batch.currency,
                        "key": key}, ip_address=ip_address)
    return batch


def _batch_for_key(key: str, actor) -> PaymentBatch | None:
    batch = PaymentBatch.objects.filter(idempotency_key=key).first()
    if batch is not None and batch.created_by_id != actor.pk:
        raise DomainError("This idempotency key was used for another person's batch; use a new key.",
                          code="idempotency_conflict")
    return batch


# --- the batch form: picked payment instructions plus payments typed in ------------------------------------

@dataclass(frozen=True)
class EnteredPayment:
    """A payment typed into the batch form: to a creditor IBAN (and optionally its BIC), for an amount."""

    iban: str
    amount: Decimal
    bic: str = ""
    remittance_info: str = ""


def _same_bank(bic: str, other: str) -> bool:
    """BIC8 and BIC11 of the same bank's head office ("COBADEFF" and "COBADEFFXXX") are the same."""
    return bic.ljust(11, "X") == other.ljust(11, "X")


def entered_payment_account(*, legal_entity: LegalEntity, currency: str, entry: EnteredPayment) -> SupplierBankAccount:
    """The approved supplier bank account an entered payment goes to, or DomainError saying what is wrong: the
    IBAN and BIC must be valid (schwifty), the IBAN an approved account of one of the entity's suppliers in the
    batch currency (new creditors go through the supplier bank-account approval first), and the BIC, when
    given, that of the account's bank."""
    try:
        iban = normalize_iban(entry.iban)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_iban") from exc
    try:
        bic = BIC(entry.bic.strip()).compact if entry.bic.strip() else ""
    except SchwiftyException as exc:
        raise DomainError(f"Invalid BIC {entry.bic!r}: {exc}", code="invalid_bic") from exc
    accounts = list(SupplierBankAccount.objects.filter(iban=iban, supplier__legal_entity=legal_entity)
                    .select_related("supplier").order_by("-approved_at", "-pk"))
    account = next((a for a in accounts if a.status == BankAccountStatus.ACTIVE and a.currency == currency), None)
    if account is None:
        why = ("is not the approved account of any supplier of the entity" if not accounts else
               f"is {accounts[0].get_status_display().lower()} or not in {currency}")
        raise DomainError(f"IBAN {iban} {why}: a new creditor account needs a bank-account change approved by a "
                          "second person first.", code="account_not_approved")
    derived = IBAN(iban).bic  # from the bank registry schwifty ships, for the countries it covers
    known = account.bic or (derived.compact if derived else "")
    if bic and known and not _same_bank(bic, known):
        raise DomainError(f"BIC {bic} is not the bank of IBAN {iban} ({known}).", code="bic_mismatch")
    amount = Decimal(entry.amount)
    if amount != quantize(amount, currency):
        raise DomainError(f"{amount} has more decimals than {currency} has ({minor_units(currency)}).",
                          code="invalid_amount")
    return account


def payment_batch_submit(*, debtor_account: CompanyBankAccount, requested_execution_date: date,
                         picked: list[PaymentInstruction], entered: list[EnteredPayment], idempotency_key: str,
                         actor, reference: str = "", ip_address: str | None = None) -> tuple[PaymentBatch, bool]:
    """The batch create form: payment instructions picked from those awaiting a batch, plus payments typed in
    (each created under `<key>:<n>`, so a resubmitted form creates none twice), into one batch awaiting release
    by someone other than `actor`. All or nothing. Returns (batch, created); the same key again answers with
    the batch it created."""
    _require(actor, "create payment batches")
    key = idempotency_key.strip()
    if not key:
        raise DomainError("An idempotency key is required.", code="invalid_key")
    if (existing := _batch_for_key(key, actor)) is not None:
        return existing, False
    entity = debtor_account.legal_entity
    if entity.pk not in entity_ids(actor):
        raise DomainError("No such bank account.", code="not_found")
    if not picked and not entered:
        raise DomainError("Pick at least one payment or enter one.", code="no_payments")
    with transaction.atomic():
        made = []
        for n, entry in enumerate(entered, start=1):
            account = entered_payment_account(legal_entity=entity, currency=debtor_account.currency, entry=entry)
            payment, _ = payment_instruction_create(
                idempotency_key=f"{key}:{n}"[:80], actor=actor, ip_address=ip_address, order=PaymentOrder(
                    legal_entity=entity, supplier_bank_account=account, amount=Decimal(entry.amount),
                    currency=debtor_account.currency, requested_date=requested_execution_date,
                    remittance_info=entry.remittance_info))
            made.append(payment)
        batch = payment_batch_create(legal_entity=entity, debtor_account=debtor_account, payments=[*picked, *made],
                                     requested_execution_date=requested_execution_date, actor=actor,
                                     reference=reference, idempotency_key=key, ip_address=ip_address)
    return batch, True


def payment_batch_release(*, batch: PaymentBatch, actor, ip_address: str | None = None) -> PaymentBatch:
    """Release a batch for sending to the bank: only someone other than its creator, only with no payment held.
    The hold is checked again now (an account may have changed since the payment was created); holds found
    then are kept even though the release is refused."""
    _require(actor, "release payment batches")
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.legal_entity_id not in entity_ids(actor):
            raise DomainError("No such payment batch.", code="not_found")
        if batch.created_by_id is not None and batch.created_by_id == actor.pk:
            raise PermissionDenied("You created this batch, so someone else must release it "
                                   "(segregation of duties).", code="four_eyes")
        if batch.status != BatchStatus.PENDING_RELEASE:
            raise DomainError(f"Batch {batch.reference} is {batch.get_status_display().lower()}, not awaiting "
                              "release.", code="not_pending")
        payments = list(batch.payments.exclude(status=PaymentStatus.CANCELLED).select_related(
            "supplier_bank_account", "supplier", "legal_entity", "batch").order_by("pk"))
        if not payments:
            raise DomainError(f"Batch {batch.reference} has no payments.", code="no_payments")
        now = timezone.now()
        for payment in payments:
            reason = hold_reason(payment.supplier_bank_account, entity_id=batch.legal_entity_id, now=now) \
                if payment.status == PaymentStatus.CREATED and payment.supplier_bank_account_id else ""
            if reason:
                PaymentInstruction.objects.filter(pk=payment.pk).update(status=PaymentStatus.HELD, updated_at=now)
                payment.status = PaymentStatus.HELD
                _raise_hold(payment, reason)
        held = [p.end_to_end_id for p in payments if p.status == PaymentStatus.HELD]
        if not held:
            PaymentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RELEASED, released_by=actor,
                                                            released_at=now, updated_at=now)
            PaymentInstruction.objects.filter(pk__in=[p.pk for p in payments]).update(
                status=PaymentStatus.APPROVED, updated_at=now)
            batch.refresh_from_db()
            audit_record(action="payment_batch.released", actor=actor, obj=batch, legal_entity=batch.legal_entity,
                         before={"status": BatchStatus.PENDING_RELEASE},
                         after={"status": batch.status, "payments": len(payments)}, ip_address=ip_address)
            return batch
    raise DomainError(f"Batch {batch.reference} has held payments ({', '.join(held[:10])}); release their holds or "
                      "take them out first.", code="held_payments", extra={"held": held})
