"""Writes for access control: role groups and their permissions, users and entity memberships."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from apps.masterdata.models import LegalEntity

from .models import EntityMembership
from .roles import ADMIN_CHANGE_APPS, Role

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
