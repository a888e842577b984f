"""Mapping versions follow the governance lifecycle (apps.governance.choices)."""

from apps.governance.choices import BADGE_COLOURS, VersionStatus

__all__ = ["BADGE_COLOURS", "VersionStatus"]
