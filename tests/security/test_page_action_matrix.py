"""The access matrix over every page action (the POST forms): every role × every action, allowed and refused,
with the real effect checked. Allowed: the state changed and the audit trail has the action by that person.
Refused: nothing changed and the audit trail has no such row. The list of actions must cover every route that
accepts POST (found through the URL resolver), so a new form cannot escape the matrix."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.access.roles import ACCESS_MATRIX, Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from tests.conftest import PASSWORD

from .page_actions import ANY_ROLE, NOBODY, PAGE_ACTIONS, READ_ONLY_POSTS, Stage, _case, accepts_post, journal_mapping
from .page_actions import mapping_form as _mapping_form
from .pages import page_views

NO_ROLE = "no role"  # a user who still belongs to an entity but whose roles were all taken away
PERSONAS = [*Role.values, NO_ROLE]


def _persona(role: str, entity):
    """The acting user; the role-less one starts as a controller (so its own things can be staged)."""
    return user_create(username=f"p-{role.replace(' ', '-')}", password=PASSWORD,
                       roles=[Role.CONTROLLER if role == NO_ROLE else role], entities=[entity])


def _take_roles_if(role: str, persona) -> None:
    if role == NO_ROLE:
        persona.groups.clear()


def _allowed(role: str, capability: str) -> bool:
    if role == NO_ROLE or capability == NOBODY:
        return False
    return capability == ANY_ROLE or capability in ACCESS_MATRIX[role]


def test_every_route_that_accepts_post_is_in_the_matrix():
    views = page_views()
    post_routes = {name for name, view in views.items() if accepts_post(view)}
    covered = {a.route for a in PAGE_ACTIONS} | set(READ_ONLY_POSTS)

    assert post_routes - covered == set(), "page routes that take POST but are not in the action matrix"
    assert covered - post_routes == set(), "matrix entries that name no POST route"
    assert not accepts_post(views["workbench:list"])
    assert not accepts_post(views["audit:export"])
    assert len(PAGE_ACTIONS) >= 40


@pytest.mark.django_db
@pytest.mark.parametrize("role", PERSONAS)
@pytest.mark.parametrize("action", PAGE_ACTIONS, ids=lambda a: a.key.replace(" ", "-"))
def test_every_page_action_for_every_role(action, role, entity_de, entity_us, client_for):
    persona = _persona(role, entity_de)
    staged = action.stage(Stage(persona, entity_de, entity_us))
    _take_roles_if(role, persona)
    assert not staged.done(), "the staged state must not show the effect before the action"
    seen = set(AuditEvent.objects.values_list("pk", flat=True))

    response = client_for(persona).post(staged.url, staged.data)

    assert response.status_code < 500
    written = AuditEvent.objects.exclude(pk__in=seen)
    if _allowed(role, action.capability):
        assert staged.done(), f"{role} may {action.key} but nothing changed ({response.status_code})"
        assert written.filter(action=staged.audit, actor=persona).exists(), \
            sorted(written.values_list("action", flat=True))
        assert written.filter(actor=persona, ip_address="127.0.0.1").exists()
    else:
        assert not staged.done(), f"{role} may not {action.key}, but it happened"
        assert not written.filter(action=staged.audit).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", PERSONAS)
def test_the_replay_dry_run_answers_by_role_and_changes_nothing(role, entity_de, entity_us, client_for):
    persona = _persona(role, entity_de)
    case = _case(Stage(persona, entity_de, entity_us))
    _take_roles_if(role, persona)
    seen = AuditEvent.objects.count()

    response = client_for(persona).post(reverse("workbench:replay-preview", args=[case.pk]),
                                        {"version_choice": "current"})

    case.sync_record.refresh_from_db()
    assert case.sync_record.status == "exception"
    assert AuditEvent.objects.count() == seen
    if _allowed(role, READ_ONLY_POSTS["workbench:replay-preview"]):
        assert (response.status_code, b"Dry run" in response.content) == (200, True)
    else:
        assert (response.status_code, b"Dry run" in response.content) == (403, False)


@pytest.mark.django_db
@pytest.mark.parametrize("role", PERSONAS)
def test_the_mapping_preview_answers_by_role_and_changes_nothing(role, entity_de, entity_us, client_for):
    persona = _persona(role, entity_de)
    base = journal_mapping(Stage(persona, entity_de, entity_us))
    _take_roles_if(role, persona)
    payload = {"company": "de01", "number": "JE-9", "posting_date": "2026-11-20", "lines": []}

    response = client_for(persona).post(reverse("mappings:preview", args=[base.mapping_id]),
                                        {**_mapping_form(), "payload": json.dumps(payload)})

    assert base.mapping.versions.count() == 1
    if _allowed(role, READ_ONLY_POSTS["mappings:preview"]):
        assert response.status_code == 200
        assert b"JE-9" in response.content
    else:
        assert response.status_code == 403
