"""The dashboards and their widgets: which figure builder each widget calls, and where it sits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .figures import cash, connectors, controls, exceptions, sla


@dataclass(frozen=True)
class Widget:
    name: str
    title: str
    build: Callable
    help: str = ""
    wide: bool = False


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    intro: str
    widgets: tuple[str, ...]


WIDGETS: dict[str, Widget] = {w.name: w for w in [
    Widget("sla-compliance", "SLA compliance per flow", sla.sla_compliance,
           "Share of records delivered within the approved target. Click a point for that flow's breaches."),
    Widget("sla-latency", "Latency percentiles per flow", sla.sla_latency,
           "Time from receipt to delivery, 50th and 95th percentile per day."),
    Widget("exceptions-by-entity-kind", "Open exceptions by entity and kind", exceptions.exceptions_by_entity_kind,
           "Click a bar to open the workbench filtered to that entity and kind."),
    Widget("exceptions-by-age", "Open exceptions by age", exceptions.exceptions_by_age,
           "How long open cases have been waiting. Click a bar to open them."),
    Widget("duplicate-suppliers", "Duplicate suppliers prevented", controls.duplicate_suppliers,
           "Suppliers stopped before reaching the ERP a second time."),
    Widget("unmatched-acknowledgments", "Unmatched payment acknowledgments", controls.unmatched_acknowledgments,
           "Bank status reports that answer no known payment."),
    Widget("posting-failures", "Posting failure rate by source system", controls.posting_failures,
           "Journals that ended as an exception or dead letter, by the system they came from."),
    Widget("cash-history", "Cash positions — booked end of day", cash.cash_history,
           "One chart per currency, one line per bank account.", wide=True),
    Widget("cash-latest", "Cash by bank, entity and currency", cash.cash_latest,
           "Latest booked balance, summed over the accounts at each bank."),
    Widget("connector-health", "Connector health", connectors.connector_health,
           "Error rate of each connector's attempts; click a bar for its exceptions.", wide=True),
]}

DASHBOARDS: dict[str, Dashboard] = {d.slug: d for d in [
    Dashboard("overview", "Overview", "Service levels, open exceptions, cash and connectors at a glance.",
              ("sla-compliance", "exceptions-by-entity-kind", "cash-history", "connector-health")),
    Dashboard("sla", "Service levels", "Is every flow on time? Compliance against the approved SLA targets and "
              "latency percentiles, day by day.", ("sla-compliance", "sla-latency")),
    Dashboard("exceptions", "Exceptions", "Where the open problems are, what kind, and how long they have waited.",
              ("exceptions-by-entity-kind", "exceptions-by-age")),
    Dashboard("controls", "Controls", "What the finance controls caught.",
              ("duplicate-suppliers", "unmatched-acknowledgments", "posting-failures")),
    Dashboard("cash", "Cash", "Booked balances by bank, legal entity and currency.", ("cash-latest", "cash-history")),
    Dashboard("connectors", "Connectors", "Is every system reachable and healthy?", ("connector-health",)),
]}
