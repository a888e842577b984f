"""Supplier onboarding: a supplier from procurement passes the master-data checks, becomes a FinSync
supplier with its bank account pending approval and its crosswalk to the source, and goes to the ERP,
whose supplier number lands in the crosswalk too."""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.audit.services import audit_record
from apps.connectors.adapters.base import OutboundResult
from apps.controls.screening import SupplierProfile, supplier_screen
from apps.controls.selectors import control_settings_for
from apps.controls.suppliers import (
    duplicate_decision_for,
    supplier_bank_account_from_system,
    supplier_duplicate_apply,
)
from apps.masterdata.choices import BankAccountStatus, SupplierStatus
from apps.masterdata.models import ExternalId, LegalEntity, Supplier, SupplierBankAccount
from apps.masterdata.validators import normalize_iban, normalize_tax_id, validate_bic
from apps.sync.flows import LocalDelivery, LocalRejection
from apps.sync.models import SyncRecord
from apps.sync.services import outbound_emit

from . import correlation_join

logger = logging.getLogger("finsync.sync")
ERP_FLOW = "supplier_to_erp"


def supplier_onboard(*, record: SyncRecord, canonical: dict) -> LocalDelivery:
    """LocalHandler of `supplier_onboarding`. A supplier already onboarded from the same source id is a
    duplicate (changes to it are not propagated by this flow; see docs/FLOWS.md)."""
    system = record.connector.system
    source_id = str(canonical.get("source_id") or "")
    if not source_id:
        raise LocalRejection("validation.schema", "source id is missing: the supplier cannot be linked to "
                                                  f"{system.name}.")
    emit_key = f"{system.code}:supplier:{source_id}"
    supplier_type = ContentType.objects.get_for_model(Supplier)
    link = ExternalId.objects.filter(system=system, content_type=supplier_type, external_id=source_id).first()
    entity = LegalEntity.objects.filter(code=canonical["legal_entity"]).first()
    if link is not None:
        _join_first(record, emit_key)
        known = Supplier.objects.select_related("legal_entity").get(pk=link.object_id)
        # A later version of a known supplier: a new bank account in it is a change under four eyes.
        supplier_bank_account_from_system(supplier=known, clean=supplier_checks(canonical, entity=known.legal_entity,
                                                                                screen=False),
                                          system=system, correlation_id=record.correlation_id)
        return LocalDelivery(external_id=str(link.object_id), duplicate=True)
    if entity is None:
        raise LocalRejection("validation.schema", f"Legal entity {canonical['legal_entity']!r} is not known to "
                                                  "FinSync.")
    decision = duplicate_decision_for(system=system, source_id=source_id)
    clean = supplier_checks(canonical, entity=entity, screen=decision is None)
    if decision is not None and decision.supplier_id is not None:
        # A person decided it is an existing supplier (merge or link): nothing new is created or sent.
        target = supplier_duplicate_apply(decision=decision, canonical=canonical, clean=clean,
                                          correlation_id=record.correlation_id)
        return LocalDelivery(external_id=str(target.pk), duplicate=True)
    try:
        with transaction.atomic():
            supplier = Supplier.objects.create(
                legal_entity=entity, number=clean["number"], name=clean["name"], country=clean["country"],
                tax_id=canonical.get("tax_id", ""), tax_id_normalized=clean.get("tax_id", ""),
                address_line=canonical.get("address_line", "")[:200], city=canonical.get("city", "")[:100],
                postal_code=canonical.get("postal_code", "")[:20], status=SupplierStatus.ACTIVE)
            account = _bank_account_create(supplier, clean, entity)
            ExternalId.objects.create(system=system, content_type=supplier_type, object_id=supplier.pk,
                                      external_id=source_id)
    except IntegrityError:
        # Another worker onboarded the same source supplier a moment ago: the crosswalk is unique.
        link = ExternalId.objects.filter(system=system, content_type=supplier_type, external_id=source_id).first()
        if link is None:
            raise
        return LocalDelivery(external_id=str(link.object_id), duplicate=True)
    audit_record(action="supplier.onboarded", actor_label="finsync", obj=supplier, legal_entity=entity,
                 after={"number": supplier.number, "name": supplier.name, "tax_id": supplier.tax_id_normalized,
                        "bank_account": account.pk if account else None, "source": f"{system.code}:{source_id}"},
                 correlation_id=record.correlation_id)
    outbound_emit(flow=ERP_FLOW, payload={**clean, "legal_entity": entity.code, "supplier_id": supplier.pk},
                  idempotency_key=emit_key, correlation_id=record.correlation_id, legal_entity=entity,
                  parent=record, external_id=supplier.number)
    return LocalDelivery(external_id=str(supplier.pk))


def supplier_checks(canonical: dict, *, entity: LegalEntity, screen: bool = True) -> dict:
    """Master-data checks; returns the supplier with its identifiers normalised, or raises LocalRejection.

    The tax id must be valid for the supplier's country (python-stdnum), the IBAN valid (schwifty), the BIC
    well-formed; and (`screen`) no supplier of the entity may have the same tax id, bank account or number,
    nor a name in the same country scoring above the entity's threshold (apps.controls.screening).
    """
    # Coupa's payment terms ("Net 30") are not ERP payment-term keys: the ERP's default applies until the
    # mapping gains a payment-term crosswalk.
    clean = {k: canonical[k] for k in ("number", "name", "country", "currency") if canonical.get(k)}
    problems = []
    if canonical.get("tax_id"):
        try:
            clean["tax_id"] = normalize_tax_id(canonical["tax_id"], canonical["country"])
        except ValidationError as exc:
            problems.append(exc.messages[0])
    if canonical.get("iban"):
        try:
            clean["iban"] = normalize_iban(canonical["iban"])
        except ValidationError as exc:
            problems.append(exc.messages[0])
    elif canonical.get("account_number") and canonical.get("routing_number"):
        clean["account_number"], clean["routing_number"] = canonical["account_number"], canonical["routing_number"]
    if canonical.get("bic") and (clean.get("iban") or clean.get("account_number")):
        try:
            validate_bic(canonical["bic"])
            clean["bic"] = canonical["bic"].upper()
        except ValidationError as exc:
            problems.append(exc.messages[0])
    if problems:
        raise LocalRejection("supplier.master_data", f"Supplier {canonical['name']} ({canonical['number']}) cannot be "
                             f"onboarded: {'; '.join(problems)}.", dimensions={"legal_entity": entity},
                             details={"problems": problems})
    candidates = duplicate_candidates(entity=entity, clean=clean) if screen else []
    if candidates:
        shown = ", ".join(f"{c['number']} {c['name']} (same {' and '.join(c['matched_on'])})" for c in candidates)
        first = Supplier.objects.get(pk=candidates[0]["id"])
        raise LocalRejection(
            "supplier.duplicate",
            f"Supplier {clean['name']} ({clean['number']}) looks like {len(candidates)} supplier(s) of {entity.code} "
            f"already in FinSync: {shown}. Merge, link or accept it as a different firm on the review page.",
            dimensions={"legal_entity": entity, "supplier": first},
            details={"incoming": {k: clean.get(k, "") or canonical.get(k, "") for k in (
                "number", "name", "country", "tax_id", "iban", "account_number", "city")},
                "candidates": candidates})
    return clean


def duplicate_candidates(*, entity: LegalEntity, clean: dict) -> list[dict]:
    """Suppliers of the entity sharing the normalised tax id, a bank account or the number, or with a name
    in the same country close enough (threshold from the entity's control settings)."""
    profile = SupplierProfile(name=clean.get("name", ""), country=clean.get("country", ""),
                              number=clean.get("number", ""), tax_id=clean.get("tax_id", ""),
                              iban=clean.get("iban", ""), account_number=clean.get("account_number", ""),
                              routing_number=clean.get("routing_number", ""))
    threshold = control_settings_for(entity).supplier_name_threshold
    return [c.as_dict() for c in supplier_screen(entity_id=entity.pk, profile=profile, name_threshold=threshold)]


def _bank_account_create(supplier: Supplier, clean: dict, entity: LegalEntity) -> SupplierBankAccount | None:
    """A new supplier's bank account waits for a second person's approval before payments may use it."""
    if not (clean.get("iban") or clean.get("account_number")):
        return None
    return SupplierBankAccount.objects.create(
        supplier=supplier, iban=clean.get("iban", ""), bic=clean.get("bic", ""),
        account_number=clean.get("account_number", ""), routing_number=clean.get("routing_number", ""),
        country=(clean.get("iban") or supplier.country)[:2], currency=clean.get("currency")
        or entity.functional_currency, status=BankAccountStatus.PENDING_APPROVAL)


def _join_first(record: SyncRecord, emit_key: str) -> None:
    first = SyncRecord.objects.filter(idempotency_key=f"out:{ERP_FLOW}:{emit_key}").values_list(
        "correlation_id", flat=True).first()
    if first:
        correlation_join(record, first)


def supplier_erp_number_record(*, record: SyncRecord, canonical: dict, result: OutboundResult) -> None:
    """DeliveredHandler of `supplier_to_erp`: the ERP's supplier number becomes the supplier's crosswalk
    to the ERP (once; a repeat delivery answers with the same number)."""
    supplier = Supplier.objects.filter(pk=canonical.get("supplier_id")).first()
    if supplier is None or not result.external_id:
        logger.warning("record %s: no supplier %s to link ERP number %r to", record.pk, canonical.get("supplier_id"),
                       result.external_id)
        return
    supplier_type = ContentType.objects.get_for_model(Supplier)
    try:
        with transaction.atomic():
            ExternalId.objects.get_or_create(system=record.connector.system, content_type=supplier_type,
                                             object_id=supplier.pk, defaults={"external_id": result.external_id})
    except IntegrityError:
        logger.warning("ERP supplier %s is linked to another FinSync supplier already; %s left unlinked",
                       result.external_id, supplier.number)
