"""Reads that every other app uses to scope data to the user's legal entities and roles."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.masterdata.models import LegalEntity

from .models import ApiToken
from .roles import ACCESS_MATRIX, Capability, Role


def user_roles(user) -> set[str]:
    """The FinSync roles of a user (the names of their groups that are roles)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_finsync_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {r for r in Role.values if r in names}
        if user.is_superuser:
            cached.add(Role.SYSTEM_ADMIN)
        user._finsync_roles = cached
    return cached


def can(user, capability: str) -> bool:
    """Whether the user's roles grant the capability (narrowed to an API token's set when one authenticated)."""
    token_caps = getattr(user, "_finsync_token_capabilities", None)
    if token_caps is not None and capability not in token_caps:
        return False
    return any(capability in ACCESS_MATRIX[role] for role in user_roles(user))


def user_capabilities(user) -> set[str]:
    """Every capability the user has now (through any role)."""
    return {cap for cap in Capability.values if can(user, cap)}


def _role_grants_view(user) -> bool:
    return any(Capability.VIEW in ACCESS_MATRIX[role] for role in user_roles(user))


def entity_ids(user) -> set[int]:
    """Ids of the legal entities the user may see; superusers see all. A user with no role that grants
    *view* sees none, whatever entity memberships are left (roles taken away must take the data too)."""
    if not getattr(user, "is_authenticated", False) or not _role_grants_view(user):
        return set()
    cached = getattr(user, "_finsync_entity_ids", None)
    if cached is None:
        if user.is_superuser:
            cached = set(LegalEntity.objects.values_list("id", flat=True))
        else:
            cached = set(user.entity_memberships.values_list("legal_entity_id", flat=True))
        user._finsync_entity_ids = cached
    return cached


def visible_entities(user) -> QuerySet[LegalEntity]:
    return LegalEntity.objects.filter(id__in=entity_ids(user))


def restrict(queryset: QuerySet, user, field: str = "legal_entity") -> QuerySet:
    """Limit any queryset to the user's legal entities through `field` (a path to a LegalEntity)."""
    return queryset.filter(**{f"{field}__in": entity_ids(user)})


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """Tokens the user may see: their own; with MANAGE_USERS also those of users in their legal entities."""
    tokens = ApiToken.objects.select_related("user", "revoked_by").prefetch_related("legal_entities")
    if can(user, Capability.MANAGE_USERS):
        in_my_entities = Q(user__entity_memberships__legal_entity_id__in=entity_ids(user))
        return tokens.filter(Q(user=user) | in_my_entities).distinct()
    return tokens.filter(user=user)
