"""Mapping specs of the business flows (docs/FLOWS.md): how Coupa suppliers and approved invoices, Kyriba
payments and bank files become canonical objects. The rules are the mapping engine's (apps/mappings/engine.py);
the demo seeds them as approved versions (apps/demo/integrations.py), and so do the flow tests.

Crosswalks are part of the governed spec on purpose: which legal entity a Coupa supplier belongs to is a
finance decision, changed by a new approved version, not by code.
"""

from __future__ import annotations

# Coupa suppliers carry no company; the group buys locally, so the supplier's country decides the entity.
ENTITY_BY_COUNTRY = {"DE": "DE01", "GB": "GB01", "US": "US01", "NL": "NL01"}

# Coupa supplier (GET /api/suppliers) → canonical supplier (schemas/supplier.v1.json). Bank details come from
# the primary remit-to's bank account, as Coupa's supplier information shows it.
COUPA_SUPPLIER_SPEC = {
    "fields": {
        "source_id": {"from": "id", "required": True, "transform": "string"},
        "legal_entity": {"from": "primary-address.country.code", "required": True,
                         "crosswalk": "entity_by_country"},
        "number": {"from": "number", "required": True, "transform": "strip"},
        "name": {"from": "name", "required": True, "transform": "strip"},
        "country": {"from": "primary-address.country.code", "required": True, "transform": "upper"},
        "tax_id": {"from": "tax-id", "transform": "strip"},
        "iban": {"from": "remit-to-addresses.0.bank-account.iban", "transform": "strip"},
        "bic": {"from": "remit-to-addresses.0.bank-account.bic", "transform": "strip"},
        "account_number": {"from": "remit-to-addresses.0.bank-account.account-number", "transform": "strip"},
        "routing_number": {"from": "remit-to-addresses.0.bank-account.routing-number", "transform": "strip"},
        "currency": {"from": "remit-to-addresses.0.bank-account.currency.code", "transform": "upper"},
        "payment_terms": {"from": "payment-term.code", "transform": "strip"},
        "city": {"from": "primary-address.city", "transform": "strip"},
        "postal_code": {"from": "primary-address.postal-code", "transform": "strip"},
        "address_line": {"from": "primary-address.street1", "transform": "strip"},
    },
    "crosswalks": {"entity_by_country": ENTITY_BY_COUNTRY},
}

# Coupa invoice (GET /api/invoices?status=approved) → canonical supplier invoice (schemas/supplier_invoice.v1.json).
# The expense account and cost center are the account's segments 2 and 3 (segment 1 is the company).
COUPA_INVOICE_SPEC = {
    "fields": {
        "source_id": {"from": "id", "required": True, "transform": "string"},
        # Which version this is: the sandbox, like any poller's source, may list versions out of order.
        "source_updated_at": {"from": "updated-at", "transform": "datetime"},
        "legal_entity": {"from": "account-type.name", "required": True, "transform": "upper"},
        "invoice_number": {"from": "invoice-number", "required": True, "transform": "strip"},
        "invoice_date": {"from": "invoice-date", "required": True, "transform": "date"},
        "status": {"from": "status", "required": True, "transform": "lower"},
        "currency": {"from": "currency.code", "required": True, "transform": "upper"},
        "payment_term": {"from": "payment-term.code", "transform": "strip"},
        "supplier_number": {"from": "supplier.number", "transform": "strip"},
        "supplier_name": {"from": "supplier.name", "required": True, "transform": "strip"},
        "supplier_source_id": {"from": "supplier.id", "transform": "string"},
        "net_amount": {"from": "net-total", "required": True, "transform": "decimal"},
        "tax_amount": {"from": "tax-amount", "default": "0", "transform": "decimal"},
        "gross_amount": {"from": "gross-total", "required": True, "transform": "decimal"},
    },
    "lists": {"lines": {"from": "invoice-lines", "fields": {
        "description": {"from": "description", "default": ""},
        "account": {"from": "account.segment-2", "required": True, "transform": "strip"},
        "cost_center": {"from": "account.segment-3", "transform": "strip"},
        "amount": {"from": "total", "required": True, "transform": "decimal"},
        "tax_amount": {"from": "tax-amount", "default": "0", "transform": "decimal"},
        "po_number": {"from": "po-number", "transform": "strip"},
    }}},
}

# Kyriba payment (GET /v1/payments) → canonical treasury payment (schemas/treasury_payment.v1.json).
KYRIBA_PAYMENT_SPEC = {
    "fields": {
        "source_id": {"from": "uuid", "required": True, "transform": "string"},
        "legal_entity": {"from": "company.code", "required": True, "transform": "upper"},
        "reference": {"from": "reference", "required": True, "transform": "strip"},
        "end_to_end_id": {"from": "endToEndId", "required": True, "transform": "strip"},
        "status": {"from": "status", "required": True, "transform": "upper"},
        "amount": {"from": "amount", "required": True, "transform": "decimal"},
        "currency": {"from": "currency", "required": True, "transform": "upper"},
        "execution_date": {"from": "executionDate", "transform": "date"},
        "value_date": {"from": "valueDate", "transform": "date"},
        "debtor_account": {"from": "account.code", "transform": "strip"},
        "beneficiary_name": {"from": "beneficiary.name", "transform": "strip"},
        "beneficiary_country": {"from": "beneficiary.country", "transform": "upper"},
    },
}

# A file from a bank channel (apps/connectors/adapters/files.py) → canonical bank file (schemas/bank_file.v1.json):
# the bytes as received; the banking parsers recognise the format from the content.
BANK_FILE_SPEC = {
    "fields": {
        "filename": {"from": "filename", "required": True},
        "content_b64": {"from": "content_b64", "required": True},
        "format_hint": {"from": "format_hint", "default": ""},
    },
}

# (source system code, object type, canonical type, spec, description)
FLOW_MAPPINGS = [
    ("coupa", "supplier", "supplier", COUPA_SUPPLIER_SPEC, "Coupa suppliers → canonical supplier"),
    ("coupa", "invoice", "supplier_invoice", COUPA_INVOICE_SPEC, "Approved Coupa invoices → supplier invoice"),
    ("kyriba", "payment", "treasury_payment", KYRIBA_PAYMENT_SPEC, "Kyriba payments → treasury payment"),
    ("bank-channel", "bank_file", "bank_file", BANK_FILE_SPEC, "Bank files → bank file (parsed by banking)"),
]

# Connector settings that turn the flows on: what each connector polls and which flow takes each object type.
FLOW_CONNECTOR_SETTINGS = {
    "coupa": {"streams": ["supplier", "invoice"],
              "routes": {"supplier": "supplier_onboarding", "invoice": "invoice_approved"}},
    "kyriba": {"streams": ["payment"], "routes": {"payment": "treasury_payment"}},
    "bank-api": {"streams": ["statement", "status"], "routes": {"bank_file": "bank_file_import"}},
}
