"""Legal-entity scoping and segregation of duties in the Django admin.

Every role may open the admin (read-only for most), so the admin must scope like the pages do:
`admin_scope_registry()` (run from AccessConfig.ready, after every app registered its admin) wraps the
`get_queryset` of each registered ModelAdmin whose model reaches a LegalEntity — directly or through
one foreign key — so another entity's rows are neither listed nor opened (the admin answers with its
"doesn't exist" redirect, as for a missing row). Admins registered later by new apps are covered too.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Q

from apps.masterdata.models import LegalEntity

from .selectors import entity_ids


def entity_path(model) -> tuple[str, bool] | None:
    """(lookup from `model` to its LegalEntity, whether it may be null), e.g. ("supplier__legal_entity", False)."""
    if model is LegalEntity:
        return "id", False
    fks = [f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey)]
    for field in fks:
        if field.related_model is LegalEntity:
            return field.name, field.null
    for field in fks:
        for inner in field.related_model._meta.get_fields():
            if isinstance(inner, models.ForeignKey) and inner.related_model is LegalEntity:
                return f"{field.name}__{inner.name}", field.null or inner.null
    return None


def _scoped(get_queryset, path: str, nullable: bool):
    """Rows of the user's entities; where the entity is optional, rows with none are shared (global
    configuration such as a connector without a default entity, or a sign-in lockout in the audit trail)."""

    def get_queryset_in_scope(request):
        queryset = get_queryset(request)
        in_scope = Q(**{f"{path}__in": entity_ids(request.user)})
        if nullable:
            in_scope |= Q(**{f"{path}__isnull": True})
        return queryset.filter(in_scope)

    get_queryset_in_scope.finsync_entity_scoped = True
    return get_queryset_in_scope


def admin_scope_registry(site: admin.AdminSite = admin.site) -> list[str]:
    """Scope every registered admin (and its inlines) to the user's entities; returns the scoped model labels."""
    scoped = []
    for model, model_admin in site._registry.items():
        found = entity_path(model)
        if found and not getattr(model_admin.get_queryset, "finsync_entity_scoped", False):
            model_admin.get_queryset = _scoped(model_admin.get_queryset, *found)
            scoped.append(model._meta.label)
    return scoped
