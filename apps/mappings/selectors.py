"""Reads of governed mappings. Mappings are group-wide configuration (a source system's records may belong
to any legal entity), so everyone with the view capability sees them; the sample records offered in the
editor are entity-scoped (apps.sync.preview.mapping_samples)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from apps.governance.choices import VersionStatus
from apps.governance.selectors import versions_awaiting_review

from .models import Mapping, MappingVersion


def _in_effect(versions: list[MappingVersion], now) -> MappingVersion | None:
    """apps.governance.selectors.version_in_effect over prefetched rows (no date: in effect, ranked last)."""
    approved = [v for v in versions if v.status == VersionStatus.APPROVED
                and (v.effective_from is None or v.effective_from <= now)]
    return max(approved, key=lambda v: (v.effective_from is not None, v.effective_from or now, v.number),
               default=None)


def mapping_overview(*, source_system: str = "") -> list[Mapping]:
    """Every mapping with `.current` (version in effect), `.proposed` and `.drafts` (two queries in all)."""
    qs = Mapping.objects.select_related("source_system").prefetch_related(Prefetch(
        "versions", queryset=MappingVersion.objects.select_related("proposed_by").order_by("-number")))
    if source_system:
        qs = qs.filter(source_system__code=source_system)
    now = timezone.now()
    mappings = list(qs.order_by("source_system__code", "object_type"))
    for m in mappings:
        versions = list(m.versions.all())
        m.current = _in_effect(versions, now)
        m.upcoming = [v for v in versions if v.status == VersionStatus.APPROVED and v.effective_from
                      and v.effective_from > now]
        m.proposed = [v for v in versions if v.status == VersionStatus.PROPOSED]
        m.drafts = [v for v in versions if v.status == VersionStatus.DRAFT]
    return mappings


def mapping_version_get(*, pk: int) -> MappingVersion:
    return MappingVersion.objects.select_related("mapping__source_system", "proposed_by", "reviewed_by").get(pk=pk)


def mapping_version_previous(version: MappingVersion) -> MappingVersion | None:
    return version.mapping.versions.filter(number__lt=version.number).order_by("-number").first()


def mapping_versions_awaiting_review(*, user):
    return versions_awaiting_review(MappingVersion.objects.select_related(
        "mapping__source_system", "proposed_by"), user=user).order_by("proposed_at")
