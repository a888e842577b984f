"""Which mapping version runs, and mapping a payload with it."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from .choices import VersionStatus
from .engine import MappingResult, apply_spec
from .models import MappingVersion


def mapping_version_in_effect(*, source_system, object_type: str, at=None) -> MappingVersion | None:
    """The approved version with the latest effective date that has started (None: nothing approved)."""
    at = at or timezone.now()
    return (MappingVersion.objects.select_related("mapping")
            .filter(mapping__source_system=source_system, mapping__object_type=object_type,
                    status=VersionStatus.APPROVED)
            .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=at))
            .order_by("-effective_from", "-number").first())


def mapping_apply(*, version: MappingVersion, payload) -> MappingResult:
    return apply_spec(version.spec, payload)
