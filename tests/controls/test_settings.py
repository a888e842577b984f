"""Control settings: governed per entity (or as the default), four eyes, what the controls read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.controls.defaults import DEFAULTS
from apps.controls.models import ControlSettingsVersion
from apps.controls.selectors import control_settings_for
from apps.controls.services import (
    control_settings_approve,
    control_settings_propose,
    control_settings_reject,
    terms_with,
)
from apps.governance.choices import VersionStatus

pytestmark = pytest.mark.django_db


def _propose(entity, actor, **changes):
    return control_settings_propose(legal_entity=entity, terms=terms_with(DEFAULTS, **changes),
                                    change_note="Tighter price tolerance agreed with AP", actor=actor)


def test_without_approved_settings_the_controls_use_the_built_in_defaults(entity_de):
    settings = control_settings_for(entity_de)

    assert settings.version is None
    assert settings.match_price_tolerance_pct == Decimal("2.00")
    assert "supplier.bank_change" in settings.close_blocking_kinds
    assert "sla.breach" not in settings.close_blocking_kinds  # not a close blocker by default


def test_a_proposal_runs_only_once_someone_else_approves_it(entity_de, maker, checker):
    version = _propose(entity_de, maker, match_price_tolerance_pct=Decimal("1.50"), bank_change_hold_days=21)

    assert control_settings_for(entity_de).version is None  # proposed is not in effect
    control_settings_approve(version=version, actor=checker, note="Matches the AP policy")

    settings = control_settings_for(entity_de)
    assert (settings.version.pk, settings.match_price_tolerance_pct, settings.bank_change_hold_days) == (
        version.pk, Decimal("1.50"), 21)
    events = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))
    assert events == [("controls.controlsettingsversion.proposed", "ida"),
                      ("controls.controlsettingsversion.approved", "ivo")]
    approved = AuditEvent.objects.get(action="controls.controlsettingsversion.approved")
    assert approved.after["bank_change_hold_days"] == 21
    assert approved.legal_entity_id == entity_de.pk


def test_the_proposer_can_never_approve_their_own_settings(entity_de, maker):
    version = _propose(entity_de, maker, match_price_tolerance_pct=Decimal("10"))

    with pytest.raises(PermissionDenied) as refused:
        control_settings_approve(version=version, actor=maker)

    assert refused.value.code == "four_eyes"
    version.refresh_from_db()
    assert (version.status, version.reviewed_by) == (VersionStatus.PROPOSED, None)
    assert control_settings_for(entity_de).version is None


def test_the_database_refuses_one_person_on_both_sides(entity_de, maker):
    with pytest.raises(IntegrityError), transaction.atomic():
        ControlSettingsVersion.objects.create(legal_entity=entity_de, number=1, status=VersionStatus.APPROVED,
                                              proposed_by=maker, reviewed_by=maker)


def test_a_rejected_proposal_never_runs(entity_de, maker, checker):
    version = _propose(entity_de, maker, supplier_name_threshold=60)

    control_settings_reject(version=version, actor=checker, note="60 flags half the vendor master")

    assert control_settings_for(entity_de).supplier_name_threshold == DEFAULTS.supplier_name_threshold
    assert AuditEvent.objects.filter(action="controls.controlsettingsversion.rejected",
                                     reason="60 flags half the vendor master").count() == 1


def test_an_entity_without_its_own_settings_uses_the_approved_default(entity_de, entity_us, group_maker,
                                                                       group_checker, maker, checker):
    default = _propose(None, group_maker, invoice_duplicate_window_days=45)
    control_settings_approve(version=default, actor=group_checker)
    own = _propose(entity_de, maker, invoice_duplicate_window_days=10)
    control_settings_approve(version=own, actor=checker)

    assert control_settings_for(entity_us).invoice_duplicate_window_days == 45
    assert control_settings_for(entity_de).invoice_duplicate_window_days == 10
    assert control_settings_for(entity_de.pk).version.pk == own.pk  # an id works as well as the entity


def test_settings_are_effective_dated(entity_de, maker, checker):
    start = timezone.now() + timedelta(days=7)
    version = control_settings_propose(legal_entity=entity_de, terms=terms_with(DEFAULTS, bank_change_hold_days=30),
                                       change_note="From next week", actor=maker, effective_from=start)
    control_settings_approve(version=version, actor=checker)

    assert control_settings_for(entity_de).bank_change_hold_days == DEFAULTS.bank_change_hold_days
    assert control_settings_for(entity_de, at=start + timedelta(hours=1)).bank_change_hold_days == 30


def test_only_someone_with_every_entity_may_change_the_defaults(entity_de, entity_us, maker):
    with pytest.raises(PermissionDenied) as refused:
        _propose(None, maker, bank_change_hold_days=1)

    assert refused.value.code == "not_all_entities"
    assert not ControlSettingsVersion.objects.exists()


def test_another_entitys_settings_cannot_be_proposed_or_reviewed(entity_us, maker, outsider, group_maker):
    with pytest.raises(DomainError) as refused:
        _propose(entity_us, maker)
    assert refused.value.code == "not_found"

    version = _propose(entity_us, group_maker)
    with pytest.raises(DomainError):
        control_settings_approve(version=version, actor=maker)
    version.refresh_from_db()
    assert version.status == VersionStatus.PROPOSED


@pytest.mark.parametrize(("changes", "message"), [
    ({"match_price_tolerance_pct": Decimal("101")}, "between 0 and 100"),
    ({"match_quantity_tolerance_abs": Decimal("-1")}, "cannot be negative"),
    ({"supplier_name_threshold": 20}, "between 50 and 100"),
    ({"bank_change_hold_days": 400}, "Day counts"),
    ({"close_blocking_kinds": ("journal.unbalanced", "no.such_kind")}, "no.such_kind"),
])
def test_nonsense_settings_are_refused_with_a_reason(entity_de, maker, changes, message):
    with pytest.raises(DomainError) as refused:
        _propose(entity_de, maker, **changes)

    assert message in refused.value.message
    assert not ControlSettingsVersion.objects.exists()


def test_roles_without_configure_cannot_propose(entity_de, controller, treasury_operator, auditor):
    for person in (controller, treasury_operator, auditor):
        with pytest.raises(PermissionDenied):
            _propose(entity_de, person)
    assert not ControlSettingsVersion.objects.exists()


# --- pages -------------------------------------------------------------------------------------------------

def _form(entity, **over) -> dict:
    data = {"legal_entity": str(entity.pk) if entity else "", "invoice_duplicate_window_days": "30",
            "match_price_tolerance_pct": "2", "match_price_tolerance_abs": "0.05",
            "match_quantity_tolerance_pct": "0", "match_quantity_tolerance_abs": "0",
            "supplier_name_threshold": "90", "bank_change_hold_days": "14",
            "unmatched_statement_line_age_days": "5", "close_blocking_kinds": ["journal.unbalanced"],
            "change_note": "Tighten price tolerance"}
    data.update(over)
    return data


def test_pages_propose_then_another_person_approves(entity_de, maker, checker, client_for):
    response = client_for(maker).post("/controls/settings/propose/", _form(entity_de, match_price_tolerance_pct="1"))
    version = ControlSettingsVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/controls/settings/{version.pk}/"
    assert (version.status, version.close_blocking_kinds) == (VersionStatus.PROPOSED, ["journal.unbalanced"])

    own = client_for(maker).post(f"/controls/settings/{version.pk}/", {"decision": "approve"})
    version.refresh_from_db()
    assert own.status_code == 302
    assert version.status == VersionStatus.PROPOSED
    page = client_for(maker).get(f"/controls/settings/{version.pk}/")
    assert "someone else must approve it" in page.content.decode()
    assert 'value="approve"' not in page.content.decode()

    client_for(checker).post(f"/controls/settings/{version.pk}/", {"decision": "approve", "note": "ok"})
    version.refresh_from_db()
    assert (version.status, version.reviewed_by) == (VersionStatus.APPROVED, checker)
    index = client_for(checker).get("/controls/").content.decode()
    assert "Control settings DE01 v1" in index


def test_a_form_with_bad_values_shows_the_problem_and_writes_nothing(entity_de, maker, client_for):
    response = client_for(maker).post("/controls/settings/propose/", _form(entity_de, supplier_name_threshold="10"))

    assert response.status_code == 200
    assert "greater than or equal to 50" in response.content.decode()
    assert not ControlSettingsVersion.objects.exists()


def test_another_entitys_version_page_is_404(entity_us, group_maker, outsider, maker, client_for):
    version = _propose(entity_us, group_maker)

    assert client_for(maker).get(f"/controls/settings/{version.pk}/").status_code == 404
    assert client_for(outsider).get(f"/controls/settings/{version.pk}/").status_code == 200


def test_the_index_shows_defaults_and_each_visible_entity(entity_de, entity_us, auditor, client_for,
                                                          django_assert_max_num_queries):
    client = client_for(auditor)
    with django_assert_max_num_queries(16):
        html = client.get("/controls/").content.decode()

    assert "built-in defaults" in html
    assert "DE01" in html
    assert "US01" in html
    assert "Propose control settings" not in html  # an auditor reads only
