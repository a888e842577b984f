"""Which mapping version runs, and mapping a payload with it."""

from __future__ import annotations

from apps.governance.selectors import version_in_effect

from .engine import MappingResult, apply_spec
from .models import MappingVersion


def mapping_version_in_effect(*, source_system, object_type: str, at=None) -> MappingVersion | None:
    """The approved version with the latest effective date that has started (None: nothing approved)."""
    return version_in_effect(MappingVersion.objects.select_related("mapping").filter(
        mapping__source_system=source_system, mapping__object_type=object_type), at=at)


def mapping_apply(*, version: MappingVersion, payload) -> MappingResult:
    return apply_spec(version.spec, payload)
