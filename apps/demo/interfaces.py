"""The demo's interface catalog: every demo connector and flow classified as a finance IT lead would during a
move to S/4HANA as the single ERP (owners and canonical objects derived from the running configuration)."""

from __future__ import annotations

from apps.catalog.models import CatalogEntry
from apps.catalog.selectors import connector_canonical_objects, flow_canonical_objects
from apps.catalog.services import catalog_entry_save
from apps.connectors.models import Connector
from apps.sync.flows import FLOWS

# code or flow name: (classification, consumers, note)
DECISIONS = {
    "sap-s4": ("retain", "General ledger, AP sub-ledger, group reporting",
               "Target ERP: stays, and becomes the system of record for suppliers after the migration."),
    "coupa": ("retain", "AP team, treasury cash forecast", "Procurement suite stays; invoices keep flowing to S/4."),
    "kyriba": ("retain", "Treasury, bank reconciliation", "TMS stays; payment statuses written back to S/4."),
    "bank-api": ("redesign", "Treasury, reconciliation",
                 "Move from the bank's proprietary API to camt.053/054 over EBICS for every bank."),
    "ops-events": ("replace", "Controllers (manual accruals)",
                   "Replace the ad-hoc webhook with S/4 journal upload (API_JOURNALENTRY) from the close tool."),
    "journal_posting": ("retain", "SAP S/4HANA general ledger", "Core posting flow."),
    "supplier_onboarding": ("redesign", "Vendor master, duplicate controls",
                            "After migration S/4 Business Partner is the master; Coupa reads from it."),
    "invoice_approved": ("retain", "AP, treasury forecast", "Approved invoices fan out to GL and cash forecast."),
    "treasury_payment": ("retain", "GL, AP clearing", ""),
    "bank_file_import": ("retain", "Reconciliation, cash positions", ""),
    "supplier_to_erp": ("retire", "SAP vendor master",
                        "Retired once S/4 Business Partner is the supplier master (no push needed)."),
    "ap_invoice_posting": ("retain", "SAP S/4HANA general ledger", ""),
    "payment_status_writeback": ("retain", "SAP AP clearing", ""),
    "payment_status_to_treasury": ("redesign", "Kyriba", "Bank status reports go to Kyriba directly via EBICS."),
    "invoice_commitment": ("retain", "Kyriba cash forecast", "Commitments reach the forecast the moment of approval."),
}
FLOW_OWNERS = {"journal_posting": ("Record to report", "GL team"),
               "ap_invoice_posting": ("Record to report", "GL team"),
               "bank_file_import": ("Treasury", "Cash management"),
               "treasury_payment": ("Treasury", "Cash management"),
               "payment_status_to_treasury": ("Treasury", "Cash management"),
               "invoice_commitment": ("Treasury", "Cash management")}


def catalog_seed() -> int:
    """One entry per connector and flow that has none; returns how many were created."""
    created = 0
    for connector in Connector.objects.select_related("system").filter(catalog_entry__isnull=True):
        produces, consumes = connector_canonical_objects(connector)
        classification, consumers, note = DECISIONS.get(connector.code, ("retain", "", ""))
        catalog_entry_save(actor=None, entry=CatalogEntry(
            kind="connector", name=connector.name, connector=connector,
            owning_domain=connector.owning_domain or "Finance IT", owning_team=connector.owning_team or "Integration",
            produces=produces, consumes=consumes, consumers=consumers, classification=classification, note=note))
        created += 1
    done = set(CatalogEntry.objects.exclude(flow="").values_list("flow", flat=True))
    for flow in FLOWS.values():
        if flow.name in done:
            continue
        produces, consumes = flow_canonical_objects(flow)
        classification, consumers, note = DECISIONS.get(flow.name, ("retain", "", ""))
        domain, team = FLOW_OWNERS.get(flow.name, ("Procure to pay", "AP operations"))
        catalog_entry_save(actor=None, entry=CatalogEntry(
            kind="flow", name=f"Flow: {flow.label}", flow=flow.name, owning_domain=domain, owning_team=team,
            produces=produces, consumes=consumes, consumers=consumers, classification=classification, note=note))
        created += 1
    return created
