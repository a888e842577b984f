"""Background jobs of the controls (registered with apps.jobs; see docs/jobs.md)."""

from __future__ import annotations

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids
from apps.common.errors import DomainError
from apps.jobs.registry import job_handler
from apps.jobs.services import JobReporter
from apps.masterdata.models import Supplier

from .screening import duplicate_pairs
from .selectors import control_settings_for

REPORT_KIND = "controls.duplicate_report"
SHOWN_PAIRS = 200


@job_handler(REPORT_KIND)
def duplicate_report(job, report: JobReporter) -> dict:
    """Every pair of existing suppliers of one entity that look like the same firm (read-only, safe to rerun)."""
    entity_id = job.params["legal_entity"]
    if not can(job.created_by, Capability.VIEW) or entity_id not in entity_ids(job.created_by):
        raise DomainError("You no longer work for this legal entity.", code="not_found")
    threshold = control_settings_for(entity_id).supplier_name_threshold
    pairs = duplicate_pairs(entity_id=entity_id, name_threshold=threshold,
                            progress=lambda done, total: report.progress(done, total))
    ids = {p.first_id for p in pairs[:SHOWN_PAIRS]} | {p.second_id for p in pairs[:SHOWN_PAIRS]}
    names = {s.pk: f"{s.number} {s.name}" for s in Supplier.objects.filter(pk__in=ids).only("number", "name")}
    kinds = {kind: sum(p.matched_on == kind for p in pairs) for kind in ("tax id", "IBAN", "name")}
    return {
        "pairs": len(pairs), "same_tax_id": kinds["tax id"], "same_iban": kinds["IBAN"], "similar_name": kinds["name"],
        "name_threshold": threshold,
        "notes": [f"{names[p.first_id]} ↔ {names[p.second_id]} (same {p.matched_on}"
                  f"{f', score {p.score:g}' if p.score is not None else ''})" for p in pairs[:SHOWN_PAIRS]]
        + ([f"… and {len(pairs) - SHOWN_PAIRS:,} more pairs."] if len(pairs) > SHOWN_PAIRS else []),
    }
