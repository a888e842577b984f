"""Writes for control settings: propose new settings (one person), approve, reject or withdraw them
(another person / the proposer), through the governance services that enforce the capability and
segregation of duties and write the audit rows."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.choices import KINDS
from apps.governance import services as governance
from apps.masterdata.models import LegalEntity

from .defaults import SETTING_FIELDS, ControlSettings
from .models import ControlSettingsVersion

MAX_DAYS = 366


def _validate(terms: ControlSettings) -> None:
    problems = []
    for name in ("match_price_tolerance_pct", "match_quantity_tolerance_pct"):
        if not Decimal(0) <= getattr(terms, name) <= Decimal(100):
            problems.append("Percentage tolerances are between 0 and 100 %.")
            break
    if terms.match_price_tolerance_abs < 0 or terms.match_quantity_tolerance_abs < 0:
        problems.append("Absolute tolerances cannot be negative.")
    if not 50 <= terms.supplier_name_threshold <= 100:
        problems.append("The supplier name threshold is a score between 50 and 100 (lower flags almost everyone).")
    for name in ("invoice_duplicate_window_days", "bank_change_hold_days", "unmatched_statement_line_age_days"):
        if not 0 <= getattr(terms, name) <= MAX_DAYS:
            problems.append(f"Day counts are between 0 and {MAX_DAYS}.")
            break
    unknown = sorted(set(terms.close_blocking_kinds) - set(KINDS))
    if unknown:
        problems.append(f"Unknown exception kinds: {', '.join(unknown)}.")
    if problems:
        raise DomainError(" ".join(problems), code="invalid_control_settings")


def _check_scope(legal_entity, actor) -> None:
    if legal_entity is None:
        # The defaults apply to every entity, so only someone responsible for all of them may change them.
        if set(LegalEntity.objects.values_list("id", flat=True)) - entity_ids(actor):
            raise PermissionDenied("Only someone with access to every legal entity may change the default "
                                   "control settings; propose settings for your entity instead.",
                                   code="not_all_entities")
    elif legal_entity.pk not in entity_ids(actor):
        raise DomainError("No such legal entity.", code="not_found")


@transaction.atomic
def control_settings_propose(*, legal_entity: LegalEntity | None, terms: ControlSettings, change_note: str, actor,
                             effective_from: datetime | None = None,
                             ip_address: str | None = None) -> ControlSettingsVersion:
    """Propose new control settings for `legal_entity` (None: the default for all entities): a new version
    that runs only once someone else approves it."""
    if not can(actor, Capability.CONFIGURE):
        raise PermissionDenied("Your role does not allow configuring controls.")
    _check_scope(legal_entity, actor)
    _validate(terms)
    if legal_entity is not None:
        # The entity's row lock serialises numbering; the unique constraints back it.
        LegalEntity.objects.select_for_update().get(pk=legal_entity.pk)
    else:
        ControlSettingsVersion.objects.select_for_update().filter(legal_entity__isnull=True).exists()
    values = {name: getattr(terms, name) for name in SETTING_FIELDS}
    values["close_blocking_kinds"] = sorted(set(terms.close_blocking_kinds))
    version = ControlSettingsVersion.objects.create(
        legal_entity=legal_entity, number=governance.version_number_next(ControlSettingsVersion, legal_entity),
        effective_from=effective_from, change_note=change_note, **values)
    return governance.version_propose(version=version, actor=actor, note=change_note, ip_address=ip_address)


def _in_scope(version: ControlSettingsVersion, actor) -> None:
    try:
        _check_scope(version.legal_entity, actor)
    except PermissionDenied:
        raise
    except DomainError as exc:
        raise DomainError("No such control settings version.", code="not_found") from exc


def control_settings_approve(*, version: ControlSettingsVersion, actor, note: str = "",
                             ip_address: str | None = None) -> ControlSettingsVersion:
    _in_scope(version, actor)
    return governance.version_approve(version=version, actor=actor, note=note, ip_address=ip_address)


def control_settings_reject(*, version: ControlSettingsVersion, actor, note: str,
                            ip_address: str | None = None) -> ControlSettingsVersion:
    _in_scope(version, actor)
    return governance.version_reject(version=version, actor=actor, note=note, ip_address=ip_address)


def control_settings_withdraw(*, version: ControlSettingsVersion, actor,
                              ip_address: str | None = None) -> ControlSettingsVersion:
    _in_scope(version, actor)
    return governance.version_withdraw(version=version, actor=actor, ip_address=ip_address)


def terms_with(base: ControlSettings, **changes) -> ControlSettings:
    """A copy of `base` with some settings changed (e.g. to propose a change to what is in effect)."""
    return dataclasses.replace(base, version=None, **changes)
