"""A reconciliation match's ``reason`` (rule, fields compared, values on both sides) in words people read."""

from __future__ import annotations

FIELD_WORDS = {"end_to_end_id": "end-to-end id", "bank_account": "bank account", "currency": "currency",
               "amount": "amount", "counterparty": "counterparty", "counterparty_account": "counterparty account",
               "counterparty_name": "counterparty name"}


def compared_fields(reason: dict) -> str:
    """"end-to-end id, bank account, currency, amount"."""
    return ", ".join(FIELD_WORDS.get(field, field) for field in reason.get("compared") or [])


def compared_values(reason: dict) -> str:
    """The values the rule saw, e.g. "end-to-end id E2E-1 · 1190.00 EUR · booked 2026-11-21, requested 2026-11-20"."""
    parts = []
    if reason.get("end_to_end_id") and reason.get("rule") != "batch_total":
        parts.append(f"end-to-end id {reason['end_to_end_id']}")
    if reason.get("amount"):
        parts.append(f"{reason['amount']} {reason.get('currency', '')}".strip())
    if reason.get("line_amounts"):
        parts.append("lines of " + " + ".join(reason["line_amounts"]))
    if reason.get("booking_date") and reason.get("requested_date"):
        parts.append(f"booked {reason['booking_date']}, requested {reason['requested_date']}")
    if reason.get("batch_reference"):
        parts.append(f"batch {reason['batch_reference']}")
    if reason.get("line_counterparty") or reason.get("creditor"):
        parts.append(f"counterparty on the line: {reason.get('line_counterparty') or 'none'}; creditor: "
                     f"{reason.get('creditor') or 'none'}")
    return " · ".join(parts)
