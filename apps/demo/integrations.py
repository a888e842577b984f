"""The demo's integration landscape: connectors to the sandbox systems and approved mappings, so that
`make run` shows records flowing (post a signed event → journal in the SAP-shaped sandbox; poll Coupa,
Kyriba and the bank → the business flows of docs/FLOWS.md)."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from apps.connectors.models import Connector
from apps.connectors.services import connector_set_credentials, connector_set_webhook_secret
from apps.mappings.models import Mapping, MappingVersion
from apps.masterdata.choices import SystemKind
from apps.masterdata.models import ExternalId, SourceSystem, Supplier

from . import catalog
from .mapping_specs import FLOW_CONNECTOR_SETTINGS, FLOW_MAPPINGS

# The demo webhook secret is public on purpose (demo only; seed_demo refuses to run outside demo mode).
DEMO_WEBHOOK_SECRET = "demo-webhook-secret"

JOURNAL_EVENT_SPEC = {
    "fields": {
        "legal_entity": {"from": "company", "required": True, "transform": "upper"},
        "document_number": {"from": "number", "required": True, "transform": "string"},
        "posting_date": {"from": "posting_date", "required": True, "transform": "date"},
        "document_date": {"from": "document_date", "transform": "date"},
        "description": {"from": "text", "default": ""},
    },
    "lists": {"lines": {"from": "lines", "fields": {
        "account": {"from": "account", "required": True},
        "cost_center": {"from": "cost_center"},
        "currency": {"from": "currency", "required": True, "transform": "upper"},
        "amount": {"from": "amount", "required": True, "transform": "decimal"},
        "side": {"from": "dc", "required": True, "crosswalk": "side"},
    }}},
    "crosswalks": {"side": {"S": "debit", "H": "credit", "D": "debit", "C": "credit"}},
}


def sandbox_url() -> str:
    return os.environ.get("FINSYNC_SANDBOX_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/sandbox"


def seed_integrations(tally, systems: dict[str, SourceSystem]) -> None:
    from apps.sandbox.seed import CLIENTS
    from apps.sandbox.services import sandbox_seed

    created = sandbox_seed()
    for model_name, n in (created or {}).items():
        tally[f"sandbox.{model_name}"] += n
    _link_known_suppliers(tally, systems["coupa"])
    base = sandbox_url()
    specs = [
        ("sap-s4", "SAP S/4HANA (sandbox)", "sap-s4", "gl", "sap_s4", f"{base}/erp",
         dict(zip(("client_id", "client_secret"), CLIENTS["erp"], strict=True)), "Record to report", "GL team"),
        ("coupa", "Coupa (sandbox)", "coupa", "procurement", "coupa", f"{base}/coupa",
         {"api_key": CLIENTS["coupa"][1]}, "Procure to pay", "P2P team"),
        ("kyriba", "Kyriba (sandbox)", "kyriba", "treasury", "kyriba", f"{base}/treasury",
         dict(zip(("client_id", "client_secret"), CLIENTS["treasury"], strict=True)), "Treasury", "Treasury IT"),
        ("bank-api", "Bank channel (sandbox API)", "bank-channel", "bank", "bank_api", f"{base}/bank",
         dict(zip(("client_id", "client_secret"), CLIENTS["bank"], strict=True)), "Treasury", "Treasury IT"),
    ]
    for code, name, system_code, kind, adapter, url, credentials, domain, team in specs:
        connector, created_now = Connector.objects.get_or_create(code=code, defaults={
            "name": name, "system": systems[system_code], "kind": kind, "adapter": adapter, "base_url": url,
            "owning_domain": domain, "owning_team": team, "settings": FLOW_CONNECTOR_SETTINGS.get(code, {})})
        if created_now:
            connector_set_credentials(connector=connector, credentials=credentials)
            tally["Connector"] += 1
        elif code in FLOW_CONNECTOR_SETTINGS and "routes" not in (connector.settings or {}):
            # A demo database from before the flows: turn them on, keeping whatever else was configured.
            connector.settings = {**FLOW_CONNECTOR_SETTINGS[code], **(connector.settings or {})}
            connector.save(update_fields=["settings", "updated_at"])
    events_system, made = SourceSystem.objects.get_or_create(
        code="ops-events", defaults={"name": "Operations events", "kind": SystemKind.OTHER, "vendor": "any (webhook)"})
    tally["SourceSystem"] += int(made)
    hook, made = Connector.objects.get_or_create(code="ops-events", defaults={
        "name": "Operations event webhook", "system": events_system, "kind": "webhook", "adapter": "webhook",
        "owning_domain": "Record to report", "owning_team": "GL team"})
    if made:
        connector_set_webhook_secret(connector=hook, secret=DEMO_WEBHOOK_SECRET)
        tally["Connector"] += 1
    mapping, made = Mapping.objects.get_or_create(source_system=events_system, object_type="journal_entry",
                                                  defaults={"canonical_type": "journal_entry",
                                                            "description": "Journal events → canonical journal"})
    users = get_user_model().objects
    integration, controller = users.get(username="integration"), users.get(username="controller")
    if made:
        MappingVersion.objects.create(mapping=mapping, number=1, spec=JOURNAL_EVENT_SPEC, status="approved",
                                      proposed_by=integration, reviewed_by=controller,
                                      change_note="Initial version for the demo")
        tally["MappingVersion"] += 1
    tally["MappingVersion"] += flow_mappings_seed(systems=systems, proposed_by=integration, approved_by=controller)


def _link_known_suppliers(tally, coupa: SourceSystem) -> None:
    """Crosswalk the suppliers FinSync already knows to their Coupa ids (the catalogue's order is Coupa's)."""
    supplier_type = ContentType.objects.get_for_model(Supplier)
    for index in range(1, len(catalog.SUPPLIERS) + 1):
        if index in catalog.NEW_IN_PROCUREMENT:
            continue
        supplier = Supplier.objects.filter(number=f"V{index:05d}").first()
        if supplier is None:
            continue
        _, made = ExternalId.objects.get_or_create(system=coupa, content_type=supplier_type, external_id=str(index),
                                                   defaults={"object_id": supplier.pk})
        tally["ExternalId"] += int(made)


def flow_mappings_seed(*, systems: dict[str, SourceSystem], proposed_by, approved_by) -> int:
    """Approved first versions of the business flows' mappings (apps/demo/mapping_specs.py), proposed by one
    person and approved by another; a mapping that exists already is left alone. Returns versions created."""
    created = 0
    for system_code, object_type, canonical_type, spec, description in FLOW_MAPPINGS:
        mapping, made = Mapping.objects.get_or_create(source_system=systems[system_code], object_type=object_type,
                                                      defaults={"canonical_type": canonical_type,
                                                                "description": description})
        if made:
            MappingVersion.objects.create(mapping=mapping, number=1, spec=spec, status="approved",
                                          proposed_by=proposed_by, reviewed_by=approved_by,
                                          change_note="Initial version for the demo")
            created += 1
    return created
