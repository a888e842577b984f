"""Finance controls: the governed settings every control reads (tolerances, windows, thresholds, hold
periods, which exception kinds block period close), per legal entity or as the default for all."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.access.roles import Capability
from apps.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from apps.governance.models import GovernedVersion

from .choices import NEEDS_TARGET, DuplicateDecision
from .defaults import DEFAULTS


class ControlSettingsVersion(GovernedVersion):
    """One version of the control settings of a legal entity (or, without an entity, the default for every
    entity that has none of its own). Proposed by one person, approved by another, effective-dated; the
    controls read the version in effect through `selectors.control_settings_for`.

    Match tolerances compare an invoice line with its purchase-order (and goods-receipt) line: a difference
    passes when it is within the percentage OR within the absolute amount (in the document's currency for
    prices, in the line's unit for quantities), as AP teams configure them in ERPs.
    """

    approve_capability = Capability.CONFIGURE
    governed_parent_field = "legal_entity"

    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="control_settings",
                                     help_text="empty: the default for entities without their own settings")
    invoice_duplicate_window_days = models.PositiveIntegerField(
        default=DEFAULTS.invoice_duplicate_window_days,
        help_text="invoices of a supplier with the same number and amount this many days apart are duplicates")
    match_price_tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2,
                                                    default=DEFAULTS.match_price_tolerance_pct)
    match_price_tolerance_abs = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES,
                                                    default=DEFAULTS.match_price_tolerance_abs,
                                                    help_text="in the invoice's currency, per unit")
    match_quantity_tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2,
                                                       default=DEFAULTS.match_quantity_tolerance_pct)
    match_quantity_tolerance_abs = models.DecimalField(max_digits=18, decimal_places=4,
                                                       default=DEFAULTS.match_quantity_tolerance_abs,
                                                       help_text="in the line's unit of measure")
    supplier_name_threshold = models.PositiveSmallIntegerField(
        default=DEFAULTS.supplier_name_threshold,
        help_text="fuzzy name score (0–100) from which two suppliers in one country are possible duplicates")
    bank_change_hold_days = models.PositiveIntegerField(
        default=DEFAULTS.bank_change_hold_days,
        help_text="payments to a supplier bank account changed this recently are held for review")
    close_blocking_kinds = models.JSONField(default=list, blank=True,
                                            help_text="exception kinds that, while open, block period close")
    unmatched_statement_line_age_days = models.PositiveIntegerField(
        default=DEFAULTS.unmatched_statement_line_age_days,
        help_text="a statement line unmatched this long becomes an exception and blocks close")

    class Meta(GovernedVersion.Meta):
        ordering = ["legal_entity", "-number"]
        constraints = [
            # Version numbers count within an entity, and separately within the defaults (NULL entity):
            # a plain unique (legal_entity, number) would let NULLs repeat.
            models.UniqueConstraint(fields=["legal_entity", "number"], condition=models.Q(legal_entity__isnull=False),
                                    name="controlsettings_unique_number"),
            models.UniqueConstraint(fields=["number"], condition=models.Q(legal_entity__isnull=True),
                                    name="controlsettings_default_unique_number"),
            models.CheckConstraint(condition=models.Q(match_price_tolerance_pct__gte=0,
                                                      match_price_tolerance_pct__lte=100,
                                                      match_quantity_tolerance_pct__gte=0,
                                                      match_quantity_tolerance_pct__lte=100),
                                   name="controlsettings_pct_range"),
            models.CheckConstraint(condition=models.Q(match_price_tolerance_abs__gte=0,
                                                      match_quantity_tolerance_abs__gte=0),
                                   name="controlsettings_abs_non_negative"),
            models.CheckConstraint(condition=models.Q(supplier_name_threshold__gte=50,
                                                      supplier_name_threshold__lte=100),
                                   name="controlsettings_name_threshold_range"),
            *GovernedVersion.Meta.constraints,
        ]
        verbose_name = "control settings version"

    def __str__(self) -> str:
        scope = self.legal_entity.code if self.legal_entity_id else "default"
        return f"Control settings {scope} v{self.number}"


class SupplierDuplicateDecision(models.Model):
    """What a person decided about a supplier the screening held as a possible duplicate: merge it into an
    existing supplier (the existing one gains the source's link and missing details), link it (the source's
    supplier is the existing one, nothing else changes), or accept it as a new firm. The pipeline applies it
    when the held record is replayed; `applied_at` says when."""

    case = models.ForeignKey("exceptions.ExceptionCase", on_delete=models.PROTECT, related_name="+")
    legal_entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    source_system = models.ForeignKey("masterdata.SourceSystem", on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=200, help_text="the supplier's id in the source system")
    decision = models.CharField(max_length=12, choices=DuplicateDecision.choices)
    supplier = models.ForeignKey("masterdata.Supplier", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="the existing supplier (merge and link)")
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            # One decision per incoming supplier: the pipeline looks it up by (system, source id).
            models.UniqueConstraint(fields=["source_system", "source_id"], name="duplicatedecision_one_per_source"),
            models.CheckConstraint(condition=models.Q(decision__in=NEEDS_TARGET, supplier__isnull=False)
                                   | models.Q(decision=DuplicateDecision.ACCEPT_NEW, supplier__isnull=True),
                                   name="duplicatedecision_target_iff_merge_or_link"),
        ]

    def __str__(self) -> str:
        return f"{self.source_system_id}:{self.source_id} {self.decision}"
