"""Reads of control settings: what is in effect for an entity, and the versions a user may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from apps.access.selectors import entity_ids
from apps.banking.models import CompanyBankAccount
from apps.exceptions.models import ExceptionCase
from apps.governance.choices import VersionStatus
from apps.masterdata.choices import BankAccountStatus
from apps.masterdata.models import Supplier, SupplierBankAccount
from apps.treasury.choices import PaymentStatus
from apps.treasury.models import PaymentBatch, PaymentInstruction

from .defaults import SETTING_FIELDS, ControlSettings
from .models import ControlSettingsVersion, SupplierDuplicateDecision


def settings_from_version(version: ControlSettingsVersion) -> ControlSettings:
    values = {name: getattr(version, name) for name in SETTING_FIELDS}
    values["close_blocking_kinds"] = tuple(values["close_blocking_kinds"] or ())
    return ControlSettings(**values, version=version)


def control_settings_for(entity, at: datetime | None = None) -> ControlSettings:
    """The settings the controls apply to `entity` (a LegalEntity, its id, or None) at `at` (default now):
    the entity's approved version in effect, else the default version in effect, else built-in defaults."""
    entity_id = getattr(entity, "pk", entity)
    return control_settings_by_entity([entity_id], at=at)[entity_id]


def control_settings_by_entity(entity_ids_: list[int | None], *, at: datetime | None = None,
                               ) -> dict[int | None, ControlSettings]:
    """entity id (None: the default) → the settings in effect for it at `at`, in one query."""
    at = at or timezone.now()
    wanted = [pk for pk in entity_ids_ if pk is not None]
    in_effect: dict[int | None, ControlSettingsVersion] = {}
    # Newest effective date first (as version_in_effect orders), so the first per scope wins.
    for version in (ControlSettingsVersion.objects.filter(status=VersionStatus.APPROVED)
                    .filter(Q(legal_entity__isnull=True) | Q(legal_entity_id__in=wanted))
                    .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=at))
                    .select_related("legal_entity")
                    .order_by(F("effective_from").desc(nulls_last=True), "-number")):
        in_effect.setdefault(version.legal_entity_id, version)
    default = in_effect.get(None)
    result = {}
    for pk in entity_ids_:
        version = in_effect.get(pk, default)
        result[pk] = settings_from_version(version) if version is not None else ControlSettings()
    return result


def control_settings_versions(*, user) -> QuerySet[ControlSettingsVersion]:
    """Versions of the user's entities and of the defaults (which apply to every entity)."""
    return (ControlSettingsVersion.objects
            .filter(Q(legal_entity__isnull=True) | Q(legal_entity_id__in=entity_ids(user)))
            .select_related("legal_entity", "proposed_by", "reviewed_by"))


def control_settings_version_get(*, user, pk: int) -> ControlSettingsVersion:
    """The version, or ControlSettingsVersion.DoesNotExist outside the user's entities (answered 404)."""
    return control_settings_versions(user=user).get(pk=pk)


def control_settings_awaiting_review(*, user) -> QuerySet[ControlSettingsVersion]:
    return (control_settings_versions(user=user).filter(status=VersionStatus.PROPOSED).exclude(proposed_by=user)
            .order_by("proposed_at"))


def duplicate_case_get(*, user, pk: int):
    """An open or closed possible-duplicate-supplier case of the user's entities, with the candidates as they
    are now (ExceptionCase.DoesNotExist otherwise, answered 404)."""
    case = (ExceptionCase.objects.select_related("legal_entity", "sync_record__connector__system", "resolved_by")
            .get(pk=pk, kind="supplier.duplicate", legal_entity_id__in=entity_ids(user)))
    ids = [c["id"] for c in case.details.get("candidates", [])]
    current = {s.pk: s for s in Supplier.objects.filter(pk__in=ids, legal_entity_id=case.legal_entity_id)
               .prefetch_related("bank_accounts")}
    case.candidates = [{**c, "supplier": current.get(c["id"])} for c in case.details.get("candidates", [])]
    case.decision = SupplierDuplicateDecision.objects.select_related("supplier", "decided_by").filter(
        case=case).first()
    return case


def pending_bank_accounts(*, user) -> QuerySet[SupplierBankAccount]:
    """Supplier bank accounts awaiting a second person's approval, oldest first."""
    return (SupplierBankAccount.objects.filter(status=BankAccountStatus.PENDING_APPROVAL,
                                               supplier__legal_entity_id__in=entity_ids(user))
            .select_related("supplier__legal_entity", "requested_by").order_by("created_at"))


def payment_batches(*, user) -> QuerySet[PaymentBatch]:
    """Payment batches of the user's entities, newest first, with their totals."""
    return (PaymentBatch.objects.filter(legal_entity_id__in=entity_ids(user))
            .select_related("legal_entity", "debtor_account", "created_by", "released_by")
            .annotate(total=Sum("payments__amount"), payment_count=Count("payments"),
                      held_count=Count("payments", filter=Q(payments__status=PaymentStatus.HELD)))
            .order_by("-created_at"))


def payment_batch_get(*, user, pk: int) -> PaymentBatch:
    """The batch with its payments, or PaymentBatch.DoesNotExist outside the user's entities (404)."""
    return payment_batches(user=user).prefetch_related(
        Prefetch("payments", queryset=PaymentInstruction.objects.select_related("supplier").order_by("pk"))).get(pk=pk)


def payments_awaiting_batch(*, user) -> QuerySet[PaymentInstruction]:
    """Payment instructions of the user's entities not yet in a batch (created or held), oldest request first."""
    return (PaymentInstruction.objects.filter(legal_entity_id__in=entity_ids(user), batch__isnull=True,
                                              status__in=(PaymentStatus.CREATED, PaymentStatus.HELD))
            .select_related("legal_entity", "supplier").order_by("requested_date", "pk"))


def payments_of_entities(*, user, ids) -> list[PaymentInstruction]:
    """The payment instructions among `ids` that belong to the user's entities (the others are not shown)."""
    return list(PaymentInstruction.objects.filter(pk__in=ids, legal_entity_id__in=entity_ids(user)).order_by("pk"))


def debtor_accounts(*, user) -> QuerySet[CompanyBankAccount]:
    """Active company bank accounts of the user's entities, the accounts a batch can be paid from."""
    return (CompanyBankAccount.objects.filter(legal_entity_id__in=entity_ids(user), is_active=True)
            .select_related("legal_entity").order_by("legal_entity__code", "currency", "name"))
