"""Reads of master data, scoped to the user's legal entities."""

from apps.access.selectors import restrict, visible_entities

from .models import Supplier


def legal_entity_list(*, user):
    return visible_entities(user).order_by("code")


def supplier_list(*, user):
    return restrict(Supplier.objects.select_related("legal_entity"), user)
