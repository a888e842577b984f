"""Supplier master governance: decisions on possible duplicates (merge, link, accept as new) and
supplier bank-account changes under four eyes, with the payment-fraud alarm for changes that arrive
from a system. Every write checks the capability and the legal entity, and is audited."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.choices import OPEN_STATUSES, ResolutionCode
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise, exception_resolve, exceptions_auto_resolve
from apps.masterdata.choices import BankAccountStatus, SupplierStatus
from apps.masterdata.models import ExternalId, SourceSystem, Supplier, SupplierBankAccount
from apps.masterdata.validators import normalize_iban
from apps.sync.services import record_replay

from .choices import NEEDS_TARGET, DuplicateDecision
from .models import SupplierDuplicateDecision

MERGE_FILLS = ("address_line", "city", "postal_code", "email")


# --- Possible duplicates ------------------------------------------------------------------------------------

def _require(actor, capability: str, what: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


@transaction.atomic
def supplier_duplicate_decide(*, case: ExceptionCase, decision: str, actor, supplier_id: int | None = None,
                              note: str = "", ip_address: str | None = None) -> SupplierDuplicateDecision:
    """Decide what a supplier held as a possible duplicate is, close the case and replay the held record so
    the pipeline applies the decision (merge or link: no second supplier reaches the ERP; accept as new:
    onboarded without the duplicate screening)."""
    _require(actor, Capability.RESOLVE, "decide about duplicate suppliers")
    case = (ExceptionCase.objects.select_for_update(of=("self",)).select_related("sync_record__connector__system")
            .get(pk=case.pk))
    if case.kind != "supplier.duplicate" or case.legal_entity_id not in entity_ids(actor):
        raise DomainError("No such possible duplicate supplier.", code="not_found")
    if case.status not in OPEN_STATUSES:
        raise DomainError("This possible duplicate was decided already.", code="already_decided")
    if decision not in DuplicateDecision.values:
        raise DomainError(f"{decision!r} is not a decision; merge, link or accept as new.", code="invalid_decision")
    record = case.sync_record
    source_id = str((record.canonical or {}).get("source_id") or "") if record is not None else ""
    if not source_id:
        raise DomainError("The held supplier record is missing; nothing to decide.", code="no_record")
    target = None
    if decision in NEEDS_TARGET:
        offered = {c["id"] for c in case.details.get("candidates", [])}
        target = Supplier.objects.filter(pk=supplier_id, legal_entity_id=case.legal_entity_id).exclude(
            status=SupplierStatus.MERGED).first() if supplier_id in offered else None
        if target is None:
            raise DomainError("Choose one of the candidate suppliers to merge into or link to.", code="no_target")
    elif len(note.strip()) < 10:
        raise DomainError("Say why this is a different firm (at least 10 characters); auditors read it.",
                          code="note_required")
    try:
        with transaction.atomic():
            made = SupplierDuplicateDecision.objects.create(
                case=case, legal_entity_id=case.legal_entity_id, source_system=record.connector.system,
                source_id=source_id, decision=decision, supplier=target, note=note.strip(), decided_by=actor,
                decided_at=timezone.now())
    except IntegrityError as exc:
        raise DomainError("This supplier was decided already.", code="already_decided") from exc
    audit_record(action=f"supplier.duplicate_{decision}", actor=actor, obj=made, legal_entity=case.legal_entity,
                 after={"incoming": case.details.get("incoming"), "supplier": target.pk if target else None,
                        "case": case.pk}, reason=note.strip(), ip_address=ip_address,
                 correlation_id=case.correlation_id)
    exception_resolve(case=case, reason_code=ResolutionCode.ACCEPTED_RISK if decision == DuplicateDecision.ACCEPT_NEW
                      else ResolutionCode.DUPLICATE_CONFIRMED, note=note.strip() or made.get_decision_display(),
                      actor=actor, ip_address=ip_address)
    record_replay(record=record, actor=actor, reason=f"duplicate supplier decision: {decision}", ip_address=ip_address)
    return made


def duplicate_decision_for(*, system: SourceSystem, source_id: str) -> SupplierDuplicateDecision | None:
    return SupplierDuplicateDecision.objects.select_related("supplier").filter(
        source_system=system, source_id=source_id).first()


def supplier_duplicate_apply(*, decision: SupplierDuplicateDecision, canonical: dict, clean: dict,
                             correlation_id: str = "") -> Supplier:
    """Apply a merge or link decision when the held record is replayed: the source's supplier id points at
    the existing supplier; a merge also fills the existing supplier's blank details and proposes the
    incoming bank account as a change (four eyes, and the payment-fraud alarm)."""
    target = Supplier.objects.select_for_update().get(pk=decision.supplier_id)
    supplier_type = ContentType.objects.get_for_model(Supplier)
    if not ExternalId.objects.filter(system=decision.source_system, content_type=supplier_type,
                                     object_id=target.pk).exists():
        ExternalId.objects.create(system=decision.source_system, content_type=supplier_type, object_id=target.pk,
                                  external_id=decision.source_id)
    filled = {}
    if decision.decision == DuplicateDecision.MERGE:
        for name in MERGE_FILLS:
            incoming = str(canonical.get(name) or "")[:target._meta.get_field(name).max_length]
            if incoming and not getattr(target, name):
                setattr(target, name, incoming)
                filled[name] = incoming
        if filled:
            target.save(update_fields=[*filled, "updated_at"])
        supplier_bank_account_from_system(supplier=target, clean=clean, system=decision.source_system,
                                          correlation_id=correlation_id)
    SupplierDuplicateDecision.objects.filter(pk=decision.pk).update(applied_at=timezone.now())
    audit_record(action=f"supplier.{'merged' if decision.decision == DuplicateDecision.MERGE else 'linked'}",
                 actor_label="finsync", obj=target, legal_entity=target.legal_entity,
                 after={"source": f"{decision.source_system.code}:{decision.source_id}", "filled": filled},
                 correlation_id=correlation_id)
    return target


# --- Bank-account changes -----------------------------------------------------------------------------------

def _same_account(account: SupplierBankAccount, clean: dict) -> bool:
    if clean.get("iban"):
        return account.iban == clean["iban"]
    return (account.account_number, account.routing_number) == (clean.get("account_number"),
                                                                  clean.get("routing_number"))


@transaction.atomic
def supplier_bank_account_from_system(*, supplier: Supplier, clean: dict, system: SourceSystem,
                                      correlation_id: str = "") -> SupplierBankAccount | None:
    """A bank account for a known supplier arrived from a system. A new one waits for a person's approval
    and raises a critical `supplier.bank_change` exception: changed bank details are the classic
    payment-fraud route. An account the supplier already has changes nothing."""
    if not (clean.get("iban") or (clean.get("account_number") and clean.get("routing_number"))):
        return None
    accounts = list(SupplierBankAccount.objects.select_for_update().filter(supplier=supplier))
    if any(_same_account(a, clean) for a in accounts if a.status != BankAccountStatus.REJECTED):
        return None
    account = SupplierBankAccount.objects.create(
        supplier=supplier, iban=clean.get("iban", ""), bic=clean.get("bic", ""),
        account_number=clean.get("account_number", ""), routing_number=clean.get("routing_number", ""),
        country=(clean.get("iban") or supplier.country)[:2], currency=clean.get("currency")
        or supplier.legal_entity.functional_currency, status=BankAccountStatus.PENDING_APPROVAL)
    audit_record(action="supplier.bank_account_requested", actor_label=system.code, obj=account,
                 legal_entity=supplier.legal_entity, after=_account_snapshot(account), correlation_id=correlation_id)
    previous = [str(a) for a in accounts if a.status == BankAccountStatus.ACTIVE]
    exception_raise(
        kind="supplier.bank_change", subject=f"bank_account:{account.pk}", reference=supplier.number,
        legal_entity=supplier.legal_entity, supplier=supplier, source_system=system, correlation_id=correlation_id,
        record_type="supplier", cause="supplier bank account changed by a system",
        message=f"{system.name} sent a new bank account {account} for supplier {supplier.number} {supplier.name}"
                f"{' (paid so far to ' + ', '.join(previous) + ')' if previous else ''}. Call the supplier on a "
                "number you already know to confirm it before approving; payments to it wait until then.",
        details={"account_id": account.pk, "new": str(account), "previous": previous})
    return account


@transaction.atomic
def supplier_bank_account_request(*, supplier: Supplier, actor, currency: str, iban: str = "", bic: str = "",
                                  account_number: str = "", routing_number: str = "",
                                  ip_address: str | None = None) -> SupplierBankAccount:
    """A person asks to pay a supplier to a new bank account; someone else must approve it."""
    _require(actor, Capability.APPROVE_BANK_DETAILS, "change supplier bank details")
    if supplier.legal_entity_id not in entity_ids(actor):
        raise DomainError("No such supplier.", code="not_found")
    clean = {"bic": bic.strip().upper(), "currency": currency}
    if iban.strip():
        try:
            clean["iban"] = normalize_iban(iban)
        except Exception as exc:  # ValidationError from schwifty, with its reason
            raise DomainError(getattr(exc, "messages", [str(exc)])[0], code="invalid_iban") from exc
    elif account_number.strip() and routing_number.strip():
        clean.update(account_number=account_number.strip(), routing_number=routing_number.strip())
    else:
        raise DomainError("Give an IBAN, or a local account number with its routing code.", code="no_account")
    if any(_same_account(a, clean) for a in supplier.bank_accounts.exclude(status=BankAccountStatus.REJECTED)):
        raise DomainError("The supplier already has this bank account.", code="exists")
    account = SupplierBankAccount(
        supplier=supplier, iban=clean.get("iban", ""), bic=clean["bic"], account_number=clean.get("account_number", ""),
        routing_number=clean.get("routing_number", ""), country=(clean.get("iban") or supplier.country)[:2],
        currency=currency, status=BankAccountStatus.PENDING_APPROVAL, requested_by=actor)
    try:
        account.full_clean()
    except Exception as exc:
        raise DomainError(" ".join(getattr(exc, "messages", [str(exc)])), code="invalid_account") from exc
    account.save()
    audit_record(action="supplier.bank_account_requested", actor=actor, obj=account,
                 legal_entity=supplier.legal_entity, after=_account_snapshot(account), ip_address=ip_address)
    return account


def _pending(account: SupplierBankAccount, actor, verb: str) -> SupplierBankAccount:
    _require(actor, Capability.APPROVE_BANK_DETAILS, f"{verb} supplier bank details")
    account = (SupplierBankAccount.objects.select_for_update().select_related("supplier__legal_entity")
               .get(pk=account.pk))
    if account.supplier.legal_entity_id not in entity_ids(actor):
        raise DomainError("No such bank account.", code="not_found")
    if account.status != BankAccountStatus.PENDING_APPROVAL:
        raise DomainError(f"This bank account is {account.get_status_display().lower()}, not awaiting approval.",
                          code="not_pending")
    if account.requested_by_id is not None and account.requested_by_id == actor.pk:
        raise PermissionDenied(f"You asked for this bank account, so someone else must {verb} it "
                               "(segregation of duties).", code="four_eyes")
    return account


def _close_alarm(account: SupplierBankAccount, note: str) -> None:
    exceptions_auto_resolve(cases=ExceptionCase.objects.filter(kind="supplier.bank_change",
                                                               details__account_id=account.pk,
                                                               status__in=OPEN_STATUSES), note=note)


@transaction.atomic
def supplier_bank_account_approve(*, account: SupplierBankAccount, actor, note: str = "",
                                  ip_address: str | None = None) -> SupplierBankAccount:
    """A second person approves a new bank account: payments may use it, and it replaces the supplier's
    active account in the same currency. Payments to it are held for the configured days after."""
    account = _pending(account, actor, "approve")
    now = timezone.now()
    replaced = list(SupplierBankAccount.objects.filter(supplier=account.supplier, status=BankAccountStatus.ACTIVE,
                                                       currency=account.currency).exclude(pk=account.pk))
    SupplierBankAccount.objects.filter(pk__in=[a.pk for a in replaced]).update(status=BankAccountStatus.INACTIVE,
                                                                                updated_at=now)
    account.status, account.approved_by, account.approved_at = BankAccountStatus.ACTIVE, actor, now
    account.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(action="supplier.bank_account_approved", actor=actor, obj=account,
                 legal_entity=account.supplier.legal_entity, before={"replaced": [str(a) for a in replaced]},
                 after=_account_snapshot(account), reason=note, ip_address=ip_address)
    _close_alarm(account, f"bank account approved by {actor.get_username()}")
    return account


@transaction.atomic
def supplier_bank_account_reject(*, account: SupplierBankAccount, actor, note: str,
                                 ip_address: str | None = None) -> SupplierBankAccount:
    if not note.strip():
        raise DomainError("Say why the bank account is rejected.", code="note_required")
    account = _pending(account, actor, "reject")
    account.status, account.approved_by, account.approved_at = BankAccountStatus.REJECTED, actor, timezone.now()
    account.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(action="supplier.bank_account_rejected", actor=actor, obj=account,
                 legal_entity=account.supplier.legal_entity, after=_account_snapshot(account), reason=note,
                 ip_address=ip_address)
    _close_alarm(account, f"bank account rejected by {actor.get_username()}: {note.strip()}")
    return account


def _account_snapshot(account: SupplierBankAccount) -> dict:
    return {"supplier": account.supplier_id, "account": str(account), "bic": account.bic,
            "currency": account.currency, "status": account.status}


def supplier_duplicate_report_start(*, legal_entity, actor, ip_address: str | None = None):
    """Start the pairwise duplicate report of an entity's suppliers as a background job with progress."""
    from apps.jobs.services import job_start

    from .jobs import REPORT_KIND

    if legal_entity.pk not in entity_ids(actor):
        raise DomainError("No such legal entity.", code="not_found")
    _require(actor, Capability.VIEW, "look for duplicate suppliers")
    total = Supplier.objects.filter(legal_entity=legal_entity).count()
    return job_start(kind=REPORT_KIND, label=f"Duplicate suppliers of {legal_entity.code}",
                     params={"legal_entity": legal_entity.pk}, actor=actor, legal_entity=legal_entity, total=total,
                     unit="suppliers", ip_address=ip_address)
