"""The mapping editor's live preview: what the pipeline would make of a payload with a mapping version.

It runs the pipeline's own map and validate steps (`mapping_apply`, `canonical_validate`) and writes
nothing, so a person sees before saving exactly the canonical object, or the business exception, that a
record with this payload would get.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.mappings.models import Mapping, MappingVersion
from apps.mappings.services import mapping_apply

from .flows import DEFAULT_ROUTES, FLOWS, Flow, flow_for
from .selectors import record_queryset
from .services import Verdict, canonical_validate


def mapping_flow(mapping: Mapping) -> Flow | None:
    """The flow records of this mapping take: the route of a connector of its system, else the one flow
    that consumes its canonical type."""
    for connector in mapping.source_system.connectors.order_by("code"):
        name = flow_for(connector, mapping.object_type)
        if name in FLOWS:
            return FLOWS[name]
    if mapping.object_type in DEFAULT_ROUTES:
        return FLOWS[DEFAULT_ROUTES[mapping.object_type]]
    # Inbound business flows land in FinSync first (flows.py), so only those consume a source's records.
    local = [f for f in FLOWS.values() if f.canonical_type == mapping.canonical_type and f.delivers_locally]
    return local[0] if len(local) == 1 else None


@dataclass
class Preview:
    canonical: dict | None
    mapping_errors: list[dict] = field(default_factory=list)
    verdict: Verdict | None = None
    flow: Flow | None = None

    @property
    def ok(self) -> bool:
        return not self.mapping_errors and self.verdict is not None and self.verdict.ok

    @property
    def outcome(self) -> str:
        """The exception kind the record would become ("" when it would go on to delivery)."""
        if self.mapping_errors:
            return "mapping.failed"
        return self.verdict.kind if self.verdict else ""

    @property
    def validation_errors(self) -> list[dict]:
        """Schema errors with path and reason, then control failures (path empty), for display."""
        if self.verdict is None or self.verdict.ok:
            return []
        details = self.verdict.details
        if "errors" in details:
            return details["errors"]
        return [{"path": "", "reason": f["message"], "kind": f["kind"]} for f in details.get("failures", [])]


def mapping_preview(*, version: MappingVersion, payload) -> Preview:
    """Map `payload` with `version` (saved or not) and validate the result as the pipeline would."""
    flow = mapping_flow(version.mapping)
    if not isinstance(payload, dict):
        return Preview(canonical=None, flow=flow,
                       mapping_errors=[{"path": "", "reason": "The sample must be a JSON object."}])
    result = mapping_apply(version=version, payload=payload)
    if result.errors:
        return Preview(canonical=result.canonical, mapping_errors=result.errors, flow=flow)
    if flow is None:
        return Preview(canonical=result.canonical, flow=None, verdict=Verdict(
            kind="record.no_flow", message="No flow handles these records, so nothing would validate them."))
    verdict = canonical_validate(flow=flow, canonical=result.canonical, schema_version=version.schema_version)
    return Preview(canonical=result.canonical, verdict=verdict, flow=flow)


def mapping_samples(*, user, mapping: Mapping):
    """Inbound records of this mapping's source and object type the user may see (newest first)."""
    return (record_queryset(user=user).filter(connector__system=mapping.source_system,
                                              object_type=mapping.object_type, direction="inbound")
            .order_by("-created_at", "-id"))
