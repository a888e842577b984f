"""Lifecycle of a governed configuration version (mappings, SLAs, control settings, ...)."""

from django.db import models


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed (awaiting approval)"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


# Allowed transitions; services check them (apps.governance.services).
TRANSITIONS: dict[str, set[str]] = {
    VersionStatus.DRAFT: {VersionStatus.PROPOSED},
    VersionStatus.PROPOSED: {VersionStatus.APPROVED, VersionStatus.REJECTED, VersionStatus.DRAFT},
    VersionStatus.APPROVED: {VersionStatus.RETIRED},
    VersionStatus.REJECTED: set(),
    VersionStatus.RETIRED: set(),
}

BADGE_COLOURS = {"draft": "grey", "proposed": "amber", "approved": "green", "rejected": "red", "retired": "grey"}
