"""Interface catalog: model rules, audited admin edits, page and API with filters, gaps, demo seed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.access.roles import Role
from apps.audit.models import AuditEvent
from apps.catalog.models import CatalogEntry
from apps.catalog.services import catalog_entry_save
from apps.common.errors import PermissionDenied
from apps.connectors.models import Connector
from apps.masterdata.models import SourceSystem
from apps.sync.flows import FLOWS
from tests.conftest import _persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def sap(db):
    system = SourceSystem.objects.create(code="sap", name="SAP S/4HANA", kind="erp")
    return Connector.objects.create(code="sap-s4", name="SAP S/4HANA", system=system, kind="gl", adapter="sap_s4",
                                    owning_domain="Record to report", owning_team="GL team")


@pytest.fixture
def ines(entity_de):
    return _persona("ines", Role.INTEGRATION_ADMIN, [entity_de])


@pytest.fixture
def entries(sap):
    return [
        CatalogEntry.objects.create(kind="connector", name="SAP S/4HANA", connector=sap,
                                    owning_domain="Record to report", owning_team="GL team",
                                    consumes=["journal_entry v1", "supplier v1"], consumers="General ledger",
                                    classification="retain", note="Target ERP"),
        CatalogEntry.objects.create(kind="flow", name="Flow: Supplier to ERP", flow="supplier_to_erp",
                                    owning_domain="Procure to pay", owning_team="AP operations",
                                    produces=["supplier v1"], consumes=["supplier v1"], classification="retire",
                                    note="S/4 Business Partner becomes the master"),
    ]


def test_unknown_schema_refs_are_refused_in_words(ines):
    entry = CatalogEntry(kind="flow", name="Flow: x", flow="journal_posting", owning_domain="R2R", owning_team="GL",
                         produces=["journal_entry v7"])
    with pytest.raises(ValidationError, match="Unknown canonical schema journal_entry v7"):
        catalog_entry_save(entry=entry, actor=ines)
    assert not CatalogEntry.objects.exists()


def test_a_connector_entry_must_name_its_connector():
    with pytest.raises(IntegrityError), transaction.atomic():
        CatalogEntry.objects.create(kind="connector", name="Nothing", owning_domain="x", owning_team="y")


def test_saves_are_audited_with_before_and_after_and_auditors_cannot_edit(entries, ines, auditor):
    entry = entries[1]
    before = {"classification": entry.classification}
    entry.classification = "replace"
    catalog_entry_save(entry=entry, actor=ines, before=before)
    event = AuditEvent.objects.get(action="catalog.entry_changed")
    assert (event.before, event.after["classification"], event.actor) == (before, "replace", ines)

    entry.note = "auditor edit"
    with pytest.raises(PermissionDenied):
        catalog_entry_save(entry=entry, actor=auditor)
    assert CatalogEntry.objects.get(pk=entry.pk).note == "S/4 Business Partner becomes the master"


def test_admin_change_goes_through_the_audited_service(client_for, entries, ines):
    entry = entries[0]
    response = client_for(ines).post(f"/admin/catalog/catalogentry/{entry.pk}/change/", {
        "kind": "connector", "name": entry.name, "connector": entry.connector_id, "flow": "",
        "owning_domain": "Record to report", "owning_team": "S/4 programme", "produces": "[]",
        "consumes": '["journal_entry v1"]', "consumers": "General ledger", "classification": "redesign",
        "note": "Re-platform on S/4 APIs"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="catalog.entry_changed")
    assert event.before["owning_team"] == "GL team"
    assert event.after["owning_team"] == "S/4 programme"
    assert CatalogEntry.objects.get(pk=entry.pk).classification == "redesign"


def test_page_lists_entries_filters_in_the_url_and_shows_gaps(client_for, entries, auditor):
    client = client_for(auditor)
    html = client.get("/catalog/").content.decode()
    assert "SAP S/4HANA" in html
    assert "Not catalogued yet" in html
    assert "journal_posting" in html  # a flow without an entry is listed as a gap

    retired = client.get("/catalog/?classification=retire").content.decode()
    assert "Flow: Supplier to ERP" in retired
    assert "Target ERP" not in retired
    assert "Flow: Supplier to ERP" not in client.get("/catalog/?schema=journal_entry+v1").content.decode()
    assert "No interface matches these filters" in client.get("/catalog/?q=nothing-like-this").content.decode()


def test_api_lists_and_filters(client_for, entries, auditor):
    api = client_for(auditor)
    body = api.get("/api/v1/interface-catalog/").json()
    assert [e["name"] for e in body["results"]] == ["SAP S/4HANA", "Flow: Supplier to ERP"]
    assert body["results"][0]["connector"] == "sap-s4"
    produced = api.get("/api/v1/interface-catalog/?schema=supplier+v1&kind=flow").json()["results"]
    assert [(e["flow"], e["classification"], e["produces"]) for e in produced] == [
        ("supplier_to_erp", "retire", ["supplier v1"])]
    assert api.post("/api/v1/interface-catalog/", {}).status_code == 405


def test_demo_seed_catalogues_every_flow_and_connector(settings):
    from apps.demo.interfaces import catalog_seed

    settings.FINSYNC_SANDBOX = False
    assert catalog_seed() == len(FLOWS)
    assert catalog_seed() == 0
    assert CatalogEntry.objects.get(flow="supplier_to_erp").classification == "retire"
    assert CatalogEntry.objects.get(flow="journal_posting").consumes == ["journal_entry v1"]
    assert AuditEvent.objects.filter(action="catalog.entry_created").count() == len(FLOWS)


def test_catalog_page_and_api_have_a_fixed_query_budget(client_for, entries, auditor, django_assert_max_num_queries):
    client = client_for(auditor)
    client.get("/catalog/")
    with django_assert_max_num_queries(14):
        assert client.get("/catalog/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/interface-catalog/").status_code == 200
