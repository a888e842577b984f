"""The access matrix over the whole API, found in the OpenAPI schema (new endpoints are covered at once):
every role × every operation, allowed and refused, and every object tried from another legal entity."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.access.roles import ACCESS_MATRIX, Role
from apps.access.selectors import entity_ids
from apps.demo.services import demo_seed
from apps.exceptions.services import exception_raise
from apps.masterdata.models import LegalEntity

from .api_ops import UNSAFE, build_operation, schema_operations

PERSONAS = ["controller", "treasury", "integration", "auditor", "admin", "controller_us", "norole"]
# Stand-ins for external systems, configured only in demo mode; not part of the product's API.
SKIP_PREFIXES = ("/api/v1/sandbox/",)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo_seed()
        for entity in LegalEntity.objects.all():
            exception_raise(kind="invoice.duplicate", message=f"Invoice {entity.code}-1 already exists",
                            reference=f"{entity.code}-1", legal_entity=entity, record_type="invoice")
        users = get_user_model().objects
        norole = users.get_or_create(username="norole", defaults={"is_staff": False})[0]
        admin = users.get(username="admin")
        ops = [build_operation(m, p, admin) for m, p in schema_operations() if not p.startswith(SKIP_PREFIXES)]
        yield {"ops": ops, "users": {name: users.get(username=name) for name in PERSONAS if name != "norole"}
               | {"norole": norole}}
        # module-scoped data lives outside the per-test transactions: remove it
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def _call(client, op):
    if op.method in UNSAFE:
        return getattr(client, op.method)(op.url, {}, format="json")
    return client.get(op.url)


def _roles(user) -> set[str]:
    roles = set(user.groups.values_list("name", flat=True))
    return roles | {Role.SYSTEM_ADMIN} if user.is_superuser else roles


@pytest.mark.django_db
def test_the_schema_has_operations_of_every_kind(world):
    ops = world["ops"]
    assert sum(op.method == "get" for op in ops) >= 20
    assert sum(op.method in UNSAFE for op in ops) >= 10
    assert sum(op.entity_lookup is not None for op in ops) >= 5  # entity-scoped objects were found for the paths


@pytest.mark.django_db
def test_anonymous_callers_are_refused_everywhere(world):
    client = APIClient()
    answers = {str(op): _call(client, op).status_code for op in world["ops"] if not op.allow_any}
    # 404 only where the path's value cannot even match the route (e.g. a slug pattern): nothing is shown
    unmatched = {str(op) for op in world["ops"] if op.model is None and "{" in op.template}
    assert {k: v for k, v in answers.items() if v not in (401, 403) and not (v == 404 and k in unmatched)} == {}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_for_every_role(world, persona):
    """Declared capabilities refuse (403) the roles the matrix does not grant and let the others through;
    the read-only roles change nothing; nothing answers 5xx."""
    user = world["users"][persona]
    client = APIClient()
    client.force_authenticate(user)
    granted = set().union(*(ACCESS_MATRIX[r] for r in _roles(user) if r in ACCESS_MATRIX)) if _roles(user) else set()
    problems = []
    for op in world["ops"]:
        status = _call(client, op).status_code
        missing = [c for c in op.capabilities if c not in granted]
        if status >= 500:
            problems.append(f"{op}: {status}")
        elif missing and status != 403:
            problems.append(f"{op}: {status}, expected 403 (lacks {missing})")
        elif op.capabilities and not missing and status == 403 and op.entity_id in entity_ids(user) | {None}:
            problems.append(f"{op}: 403 although the role has {list(op.capabilities)}")
        elif op.method in UNSAFE and not granted - {"view", "view_audit"} and 200 <= status < 300:
            problems.append(f"{op}: {status} for a read-only role")
    assert problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["controller", "controller_us"])
def test_objects_of_another_entity_answer_404(world, persona):
    """Every object in a path, asked for by a user who cannot see its legal entity: 404, never 200 or 403."""
    user = world["users"][persona]
    client = APIClient()
    client.force_authenticate(user)
    visible = entity_ids(user)
    foreign = {str(op): url for op in world["ops"] if op.method == "get"
               and (url := op.url_for_object_outside(visible)) is not None}
    assert len(foreign) >= 3, "demo data should put objects outside this user's entities"
    answers = {name: client.get(url).status_code for name, url in foreign.items()}
    assert {k: v for k, v in answers.items() if v != 404} == {}
