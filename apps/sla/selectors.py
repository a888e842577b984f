"""Reads of service levels, scoped to the user's legal entities: definitions, versions, limits in effect,
last checks, percentiles."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from apps.access.selectors import entity_ids
from apps.governance.choices import VersionStatus

from .choices import LATENCY_EDGES_S
from .models import SlaCheck, SlaDefinition, SlaVersion


def sla_definitions(*, user) -> QuerySet[SlaDefinition]:
    return (SlaDefinition.objects.filter(legal_entity_id__in=entity_ids(user)).select_related("legal_entity")
            .prefetch_related(Prefetch("versions", queryset=SlaVersion.objects.select_related(
                "proposed_by", "reviewed_by", "poll_connector").order_by("-number")),
                Prefetch("checks", queryset=SlaCheck.objects.order_by("kind", "subject")))
            .order_by("legal_entity__code", "flow"))


def sla_version_get(*, user, pk: int) -> SlaVersion:
    """The version, or SlaVersion.DoesNotExist outside the user's entities (answered 404)."""
    return (SlaVersion.objects.select_related("definition__legal_entity", "proposed_by", "reviewed_by",
                                              "poll_connector")
            .get(pk=pk, definition__legal_entity_id__in=entity_ids(user)))


def sla_versions_awaiting_review(*, user) -> QuerySet[SlaVersion]:
    return (SlaVersion.objects.filter(status=VersionStatus.PROPOSED, definition__legal_entity_id__in=entity_ids(user))
            .exclude(proposed_by=user).select_related("definition__legal_entity", "proposed_by")
            .order_by("proposed_at"))


def versions_in_effect(at: datetime | None = None) -> dict[int, SlaVersion]:
    """definition id → the approved version in effect at `at` (latest effective date that has started)."""
    at = at or timezone.now()
    current: dict[int, SlaVersion] = {}
    for version in (SlaVersion.objects.filter(status=VersionStatus.APPROVED)
                    .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=at))
                    .select_related("definition__legal_entity", "poll_connector__system")
                    .order_by("definition_id", "-effective_from", "-number")):
        current.setdefault(version.definition_id, version)
    return current


def latency_limits_at(at: datetime) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
    """(targets, warnings): seconds per (business flow, legal entity id) of the SLA versions in effect at `at`."""
    targets, warnings = {}, {}
    for version in versions_in_effect(at).values():
        key = (version.definition.flow, version.definition.legal_entity_id)
        targets[key], warnings[key] = version.target_seconds, version.warning_seconds
    return targets, warnings


def percentile(histogram: list[int], q: float) -> float | None:
    """The q-quantile (0..1) of a latency histogram in seconds, interpolated linearly inside its bucket
    (as Prometheus' histogram_quantile does). None without data; the last edge when it lies beyond it."""
    total = sum(histogram)
    if not total:
        return None
    rank = q * total
    seen = 0
    lower = 0.0
    for i, count in enumerate(histogram):
        upper = LATENCY_EDGES_S[i] if i < len(LATENCY_EDGES_S) else None
        if count and seen + count >= rank:
            if upper is None:
                return float(LATENCY_EDGES_S[-1])
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
        if upper is not None:
            lower = float(upper)
    return float(LATENCY_EDGES_S[-1])
