"""Mapping pages and API: who sees and who may act, the preview partial, import/export, maker-checker."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.connectors.adapters.base import InboundRecord
from apps.mappings.models import MappingVersion
from apps.sync.models import SyncRecord
from apps.sync.services import records_receive

from .conftest import JOURNAL_SPEC, journal_event

pytestmark = pytest.mark.django_db


def _form(spec=JOURNAL_SPEC, **over) -> dict:
    from apps.mappings.transfer import crosswalks_to_csv

    rules = {k: v for k, v in spec.items() if k != "crosswalks"}
    return {"rules": json.dumps(rules), "crosswalks": crosswalks_to_csv(spec), "schema_version": "v1",
            "effective_from": "", "change_note": "Map ops journals", **over}


def test_list_shows_version_in_effect_and_auditor_gets_no_buttons(client_for, journal_mapping, auditor, admin_ines):
    page = client_for(auditor).get(reverse("mappings:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "ops-events" in html
    assert ">v1</a>" in html
    assert "New version" not in html
    assert "Import</button>" not in html

    admin_html = client_for(admin_ines).get(reverse("mappings:list")).content.decode()
    assert "New version" in admin_html


def test_auditor_cannot_save_a_draft_from_the_editor(client_for, journal_mapping, auditor):
    response = client_for(auditor).post(reverse("mappings:new", args=[journal_mapping.mapping_id]), _form())
    assert response.status_code == 200
    assert "may look at mappings but not change them" in response.content.decode()
    assert MappingVersion.objects.count() == 1


def test_editor_saves_and_proposes_then_the_proposer_cannot_approve(client_for, journal_mapping, admin_ines,
                                                                     controller):
    client = client_for(admin_ines)
    response = client.post(reverse("mappings:new", args=[journal_mapping.mapping_id]), {**_form(), "then": "propose"})
    version = MappingVersion.objects.get(number=2)
    assert response.status_code == 302
    assert response.url == reverse("mappings:version", args=[version.pk])
    assert (version.status, version.proposed_by) == ("proposed", admin_ines)

    detail = client.get(response.url).content.decode()
    assert 'value="approve"' not in detail
    assert "someone else must approve" in detail
    client.post(response.url, {"decision": "approve"})
    assert MappingVersion.objects.get(pk=version.pk).status == "proposed"

    reviewer = client_for(controller)
    assert 'value="approve"' in reviewer.get(response.url).content.decode()
    reviewer.post(response.url, {"decision": "approve", "note": "ok"})
    assert MappingVersion.objects.get(pk=version.pk).status == "approved"


def test_preview_partial_shows_canonical_result_and_errors(client_for, ledger_de, journal_mapping, auditor):
    url = reverse("mappings:preview", args=[journal_mapping.mapping_id])
    good = client_for(auditor).post(url, {**_form(), "payload": json.dumps(journal_event())}).content.decode()
    assert "Valid." in good
    assert "&quot;account&quot;: &quot;6100&quot;" in good

    event = journal_event()
    event["lines"][0]["account"] = "555555"
    bad = client_for(auditor).post(url, {**_form(), "payload": json.dumps(event)}).content.decode()
    assert "Mapping fails" in bad
    assert "&#x27;555555&#x27; has no entry in the &#x27;gl_account&#x27; crosswalk" in bad

    broken = client_for(auditor).post(url, {**_form(), "rules": "{", "payload": "{}"}).content.decode()
    assert "Not valid JSON" in broken


def test_sample_records_are_scoped_to_the_users_entities(client_for, journal_mapping, event_connector, controller,
                                                          outsider):
    records_receive(connector=event_connector, items=[InboundRecord(object_type="journal_entry", external_id="JE-9",
                                                                    payload=journal_event("JE-9"))])
    record = SyncRecord.objects.get(external_id="JE-9")  # DE01, the connector's default entity
    url = reverse("mappings:sample", args=[journal_mapping.mapping_id]) + f"?record={record.pk}"

    assert "JE-9" in client_for(controller).get(url).content.decode()
    assert client_for(outsider).get(url).status_code == 404


def test_export_json_and_csv_then_import_the_json_as_a_draft(client_for, journal_mapping, admin_ines):
    client = client_for(admin_ines)
    exported = client.get(reverse("mappings:export-json", args=[journal_mapping.pk]))
    csv_text = client.get(reverse("mappings:export-csv", args=[journal_mapping.pk])).content.decode()
    assert exported["Content-Disposition"] == 'attachment; filename="ops-events-journal_entry-v1.json"'
    assert "gl_account,400100,6100" in csv_text

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("v1.json", exported.content, content_type="application/json")
    response = client.post(reverse("mappings:import", args=[journal_mapping.mapping_id]), {"file": upload})
    imported = MappingVersion.objects.get(number=2)
    assert response.url == reverse("mappings:version", args=[imported.pk])
    assert imported.spec == journal_mapping.spec
    assert imported.status == "draft"


def test_version_page_shows_the_diff(client_for, journal_mapping, admin_ines):
    from apps.mappings.services import mapping_import_crosswalks

    draft = mapping_import_crosswalks(mapping=journal_mapping.mapping, actor=admin_ines,
                                      csv_text="gl_account,400100,6150\nside,S,debit\nside,H,credit\n")
    html = client_for(admin_ines).get(reverse("mappings:version", args=[draft.pk])).content.decode()
    assert "<del>6100</del>" in html
    assert "<ins>6150</ins>" in html
    assert "gl_account: 160000" in html  # removed rows are listed too


def test_api_maker_checker_preview_and_diff(client_for, ledger_de, journal_mapping, admin_ines, controller, auditor):
    api = client_for(admin_ines)
    created = api.post("/api/v1/mapping-versions/", {"mapping": journal_mapping.mapping_id, "spec": JOURNAL_SPEC,
                                                     "change_note": "same again"}, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.post(f"/api/v1/mapping-versions/{pk}/propose/", {}, content_type="application/json").status_code == 200
    refused = api.post(f"/api/v1/mapping-versions/{pk}/approve/", {}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "four_eyes")
    assert client_for(auditor).post(f"/api/v1/mapping-versions/{pk}/approve/", {},
                                    content_type="application/json").status_code == 403
    assert client_for(controller).post(f"/api/v1/mapping-versions/{pk}/approve/", {},
                                       content_type="application/json").json()["status"] == "approved"

    preview = client_for(auditor).post(f"/api/v1/mappings/{journal_mapping.mapping_id}/preview/",
                                       {"payload": journal_event()}, content_type="application/json").json()
    assert (preview["ok"], preview["flow"], preview["canonical"]["lines"][0]["account"]) == (
        True, "journal_posting", "6100")
    assert api.get(f"/api/v1/mapping-versions/{pk}/diff/?against=1").json() == []
    listed = api.get("/api/v1/mappings/").json()["results"]
    assert listed[0]["version_in_effect"] == pk
    assert api.get(f"/api/v1/mapping-versions/{pk}/crosswalks/").content.decode().startswith("crosswalk,")


def test_api_refuses_a_draft_from_an_auditor(client_for, journal_mapping, auditor):
    response = client_for(auditor).post("/api/v1/mapping-versions/", {
        "mapping": journal_mapping.mapping_id, "spec": JOURNAL_SPEC}, content_type="application/json")
    assert response.status_code == 403
    assert MappingVersion.objects.count() == 1


def test_mapping_list_has_a_fixed_query_budget(client_for, journal_mapping, admin_ines, django_assert_max_num_queries):
    from apps.mappings.services import mapping_draft_create

    for _ in range(5):
        mapping_draft_create(mapping=journal_mapping.mapping, spec=JOURNAL_SPEC, actor=admin_ines)
    client = client_for(admin_ines)
    client.get(reverse("mappings:list"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("mappings:list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/mappings/").status_code == 200


def test_a_draft_reopens_in_the_editor_with_its_effective_date(client_for, journal_mapping, admin_ines):
    admin_client = client_for(admin_ines)
    admin_client.post(reverse("mappings:new", args=[journal_mapping.mapping_id]),
                      {**_form(), "effective_from": "2027-01-01T00:00", "then": "draft"})
    draft = MappingVersion.objects.get(number=2)
    assert draft.effective_from.isoformat() == "2027-01-01T00:00:00+00:00"

    response = admin_client.get(reverse("mappings:edit", args=[journal_mapping.mapping_id, draft.pk]))
    assert 'value="2027-01-01T00:00"' in response.content.decode()
    admin_client.post(reverse("mappings:edit", args=[journal_mapping.mapping_id, draft.pk]),
                      {**_form(), "effective_from": "2027-02-01T00:00", "change_note": "February", "then": "draft"})
    draft.refresh_from_db()
    assert (draft.effective_from.month, draft.change_note, draft.status) == (2, "February", "draft")


def test_the_auditor_is_not_asked_to_review(client_for, journal_mapping, admin_ines, auditor, controller):
    from apps.governance import services as governance
    from apps.mappings.services import mapping_draft_create

    draft = mapping_draft_create(mapping=journal_mapping.mapping, spec=JOURNAL_SPEC, actor=admin_ines)
    governance.version_propose(version=draft, actor=admin_ines, note="same rules again")

    assert "Awaiting your review" not in client_for(auditor).get(reverse("mappings:list")).content.decode()
    assert "Awaiting your review" in client_for(controller).get(reverse("mappings:list")).content.decode()
