"""Writes for access control: role groups and their permissions, users and entity memberships."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.masterdata.models import LegalEntity

from .models import ApiToken, EntityMembership
from .roles import ADMIN_CHANGE_APPS, Capability, Role
from .selectors import can, entity_ids, user_capabilities
from .tokens import token_generate

FINSYNC_APP_PREFIX = "apps."


def _finsync_app_labels() -> set[str]:
    return {cfg.label for cfg in django_apps.get_app_configs() if cfg.name.startswith(FINSYNC_APP_PREFIX)}


@transaction.atomic
def roles_sync() -> None:
    """Create one group per role and give it exactly the model permissions the matrix implies.

    Every role can view every FinSync model (the admin is read-only for them); roles that configure
    things may also add, change and delete in the apps listed in ADMIN_CHANGE_APPS. Idempotent.
    """
    view_labels = _finsync_app_labels() | {"django_celery_beat"}
    view_perms = list(Permission.objects.filter(content_type__app_label__in=view_labels, codename__startswith="view_"))
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = list(view_perms)
        change_apps = ADMIN_CHANGE_APPS[role]
        if change_apps:
            perms += list(Permission.objects.filter(content_type__app_label__in=change_apps))
        group.permissions.set(perms)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[str],
    entities: Iterable[LegalEntity],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
):
    """Create (or update) a user with the given roles and legal-entity scope. Staff so the admin opens."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"email": email, "first_name": first_name, "last_name": last_name, "is_staff": True},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.set(Group.objects.filter(name__in=list(roles)))
    for entity in entities:
        EntityMembership.objects.get_or_create(user=user, legal_entity=entity)
    return user


TOKEN_MAX_DAYS = 365


@transaction.atomic
def api_token_create(
    *,
    actor,
    name: str,
    capabilities: Iterable[str],
    legal_entities: Iterable[LegalEntity],
    expires_in_days: int,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token for the actor and return it with the full secret, which is never retrievable again.

    Tokens are always the actor's own: nobody (not even a user manager) can mint a credential that
    acts as someone else, which would sidestep segregation of duties. A token may only narrow the
    actor's capabilities and legal entities, never widen them.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name that says what it is for.", code="token_name_required")
    caps = sorted(set(capabilities))
    if not caps:
        raise DomainError("Choose at least one capability for the token.", code="token_capabilities_required")
    unknown = set(caps) - set(Capability.values)
    if unknown:
        raise DomainError(f"Unknown capabilities: {', '.join(sorted(unknown))}.", code="token_capability_unknown")
    beyond = set(caps) - user_capabilities(actor)
    if beyond:
        raise PermissionDenied(f"Your roles do not grant: {', '.join(sorted(beyond))}.", code="token_capability_denied")
    entities = list(legal_entities)
    if not entities:
        raise DomainError("Choose at least one legal entity for the token.", code="token_entities_required")
    outside = {e.id for e in entities} - entity_ids(actor)
    if outside:
        raise PermissionDenied("The token may only cover your own legal entities.", code="token_entity_denied")
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise DomainError(f"A token expires after 1 to {TOKEN_MAX_DAYS} days.", code="token_expiry_invalid")
    raw, prefix, digest = token_generate()
    token = ApiToken.objects.create(
        user=actor, created_by=actor, name=name[:100], prefix=prefix, secret_hash=digest, capabilities=caps,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    token.legal_entities.set(entities)
    audit_record(action="api_token.create", actor=actor, obj=token, ip_address=ip_address,
                 after=_token_snapshot(token, entities))
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor, reason: str = "", ip_address: str | None = None) -> ApiToken:
    """Revoke a token at once. Its owner may revoke it, and so may a user manager."""
    if token.user_id != actor.pk and not can(actor, Capability.MANAGE_USERS):
        raise PermissionDenied("Only the token's owner or a user manager can revoke it.", code="token_revoke_denied")
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=now, revoked_by=actor)
    if not updated:
        raise DomainError("This token is already revoked.", code="token_already_revoked")
    token.refresh_from_db()
    audit_record(action="api_token.revoke", actor=actor, obj=token, ip_address=ip_address, reason=reason,
                 before={"revoked_at": None}, after={"revoked_at": now, "owner": token.user.get_username()})
    return token


def _token_snapshot(token: ApiToken, entities) -> dict:
    """What the audit trail keeps of a token: never the secret or its digest."""
    return {"owner": token.user.get_username(), "name": token.name, "prefix": token.prefix,
            "capabilities": token.capabilities, "legal_entities": sorted(e.code for e in entities),
            "expires_at": token.expires_at}
