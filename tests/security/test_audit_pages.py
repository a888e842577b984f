"""The auditor's audit-trail pages: URL filters, entity scope, detail with diff, CSV export, chain status."""

from __future__ import annotations

import csv
import io

import pytest

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_status
from apps.audit.services import audit_record
from tests.foundation.test_audit_chain import _tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(controller, outsider, entity_de, entity_us):
    return {
        "de": audit_record(action="mapping.approve", actor=controller, obj=entity_de, legal_entity=entity_de,
                           before={"status": "proposed", "note": ""}, after={"status": "approved", "note": "ok"},
                           reason="four eyes", ip_address="10.0.0.1"),
        "us": audit_record(action="mapping.approve", actor=outsider, obj=entity_us, legal_entity=entity_us,
                           after={"status": "approved"}, reason="US only"),
        "global": audit_record(action="auth.login_locked", actor_label="mallory", reason="5 failed sign-ins",
                               ip_address="203.0.113.9"),
    }


def _ids(response):
    return [e.pk for e in response.context["page"].object_list]


def test_auditor_browses_with_filters_in_the_url(client_for, auditor, events):
    client = client_for(auditor)

    assert _ids(client.get("/audit/")) == [events["global"].pk, events["us"].pk, events["de"].pk]
    assert _ids(client.get("/audit/?actor=clara")) == [events["de"].pk]
    assert _ids(client.get("/audit/?action=mapping")) == [events["us"].pk, events["de"].pk]
    assert _ids(client.get("/audit/?action=auth.login_locked")) == [events["global"].pk]
    assert _ids(client.get(f"/audit/?legal_entity_id={events['us'].legal_entity_id}")) == [events["us"].pk]
    assert _ids(client.get(f"/audit/?object_type=masterdata.LegalEntity&object_id={events['de'].object_id}")) == [
        events["de"].pk]
    assert _ids(client.get("/audit/?occurred_from=2000-01-01&occurred_to=2000-01-02")) == []
    assert b"No audit events match" in client.get("/audit/?occurred_to=2000-01-02").content


def test_controller_sees_only_their_entities_and_global_events(client_for, controller, events):
    client = client_for(controller)

    assert _ids(client.get("/audit/")) == [events["global"].pk, events["de"].pk]
    assert client.get(f"/audit/{events['us'].pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["treasury_operator"])
def test_roles_without_the_audit_capability_are_refused(client_for, request, persona, events):
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/{events['de'].pk}/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_detail_shows_before_after_diff_and_reason(client_for, auditor, events):
    page = client_for(auditor).get(f"/audit/{events['de'].pk}/")

    assert page.status_code == 200
    assert page.context["diff"][0] == {"field": "note", "before": "", "after": "ok", "changed": True}
    assert page.context["diff"][1] == {"field": "status", "before": "proposed", "after": "approved", "changed": True}
    assert b"four eyes" in page.content
    assert b"10.0.0.1" in page.content


def test_export_is_filtered_neutralises_formulas_and_is_audited(client_for, auditor, events, entity_de):
    audit_record(action="exception.resolve", actor=auditor, legal_entity=entity_de, reason="=HYPERLINK(\"x\")")

    response = client_for(auditor).get("/audit/export.csv?action=exception")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["exception.resolve"]
    assert rows[0]["reason"] == "'=HYPERLINK(\"x\")"
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == auditor
    assert export.after == {"filters": {"action": "exception"}, "rows": 1}


def test_chain_status_shows_intact_then_the_break_after_tampering(client_for, auditor, events):
    client = client_for(auditor)
    intact = client.get("/audit/chain/?fresh=1")
    assert b"chain intact" in intact.content

    _tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing to see", events["de"].id])
    broken = client.get("/audit/chain/?fresh=1")

    assert b"chain BROKEN" in broken.content
    assert f"#{events['de'].pk}".encode() in broken.content
    assert audit_chain_status()["intact"] is False
