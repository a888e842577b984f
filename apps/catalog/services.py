"""Writes to the interface catalog (the admin and the demo seed call these): each change audited with before
and after."""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.audit.services import audit_record
from apps.common.errors import PermissionDenied

from .models import CatalogEntry


def catalog_entry_snapshot(entry: CatalogEntry) -> dict:
    return {k: v for k, v in model_to_dict(entry).items() if k != "id"}


@transaction.atomic
def catalog_entry_save(*, entry: CatalogEntry, actor, before: dict | None = None,
                       ip_address: str | None = None) -> CatalogEntry:
    """Validate and save a new or changed entry; `before` is the entry's content as it was loaded."""
    if actor is not None and not can(actor, Capability.CONFIGURE):
        raise PermissionDenied("Your role does not allow editing the interface catalog.")
    created = entry.pk is None
    entry.full_clean()
    entry.save()
    audit_record(action="catalog.entry_created" if created else "catalog.entry_changed", actor=actor, obj=entry,
                 before=None if created else before, after=catalog_entry_snapshot(entry), ip_address=ip_address)
    return entry


@transaction.atomic
def catalog_entry_delete(*, entry: CatalogEntry, actor, ip_address: str | None = None) -> None:
    if not can(actor, Capability.CONFIGURE):
        raise PermissionDenied("Your role does not allow editing the interface catalog.")
    audit_record(action="catalog.entry_deleted", actor=actor, obj=entry, before=catalog_entry_snapshot(entry),
                 ip_address=ip_address)
    entry.delete()
