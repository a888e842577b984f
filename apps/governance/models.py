"""The abstract base of every governed, versioned configuration.

A change is a new version: drafted and proposed by one person, approved (or rejected) by another, and
effective from a date. Only an approved version whose effective date has come runs. Concrete models add
their content fields, a parent to number versions within (`governed_parent_field`), a unique constraint on
(parent, number), and say which capability approves them (`approve_capability`).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.forms.models import model_to_dict

from apps.access.roles import Capability
from apps.common.models import TimeStampedModel

from .choices import BADGE_COLOURS, VersionStatus

GOVERNANCE_FIELDS = frozenset({
    "id", "number", "status", "effective_from", "change_note", "proposed_by", "proposed_at", "reviewed_by",
    "reviewed_at", "review_note", "created_at", "updated_at",
})


class GovernedVersion(TimeStampedModel):
    """One version of a governed configuration, with its maker-checker trail."""

    approve_capability: ClassVar[str] = Capability.CONFIGURE
    propose_capability: ClassVar[str | None] = None  # None: the same capability as approving
    governed_parent_field: ClassVar[str] = ""

    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    effective_from = models.DateTimeField(null=True, blank=True,
                                          help_text="runs from this moment once approved (empty: from approval)")
    change_note = models.TextField(blank=True, help_text="why this change, in the proposer's words")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    proposed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="who approved or rejected it")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-number"]
        constraints = [
            # Segregation of duties: whoever proposed a version can never be the one who reviews it.
            models.CheckConstraint(
                condition=models.Q(reviewed_by__isnull=True) | models.Q(proposed_by__isnull=True)
                | ~models.Q(reviewed_by=models.F("proposed_by")),
                name="%(app_label)s_%(class)s_four_eyes",
            ),
            # An approved version always names its approver.
            models.CheckConstraint(
                condition=~models.Q(status=VersionStatus.APPROVED) | models.Q(reviewed_by__isnull=False),
                name="%(app_label)s_%(class)s_approved_has_reviewer",
            ),
        ]

    @property
    def badge_colour(self) -> str:
        return BADGE_COLOURS.get(self.status, "grey")

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def governed_parent(self):
        return getattr(self, self.governed_parent_field) if self.governed_parent_field else None

    def content_snapshot(self) -> dict:
        """The version's content (not its workflow fields), for audit before/after and diffs."""
        return {k: v for k, v in model_to_dict(self).items() if k not in GOVERNANCE_FIELDS
                and k != self.governed_parent_field}
