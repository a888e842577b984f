"""Service levels: governed SLA definitions (latency targets and freshness targets per business flow and
legal entity), their last evaluation, and the daily rollup of pipeline latency the SLA dashboards read
(precomputed, so charts stay fast at ten million records)."""

from __future__ import annotations

from django.db import models

from apps.access.roles import Capability
from apps.common.models import TimeStampedModel
from apps.governance.models import GovernedVersion

from .choices import CHECK_BADGES, LATENCY_EDGES_S, CheckKind, CheckState, SlaFlow


class SlaDefinition(TimeStampedModel):
    """The service level a finance team expects of one business flow in one legal entity. What it
    promises lives in its versions: proposed by one person, approved by another, effective-dated."""

    flow = models.CharField(max_length=20, choices=SlaFlow.choices)
    legal_entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="slas")

    class Meta:
        ordering = ["legal_entity", "flow"]
        constraints = [models.UniqueConstraint(fields=["flow", "legal_entity"], name="sladefinition_unique")]

    def __str__(self) -> str:
        return f"{self.get_flow_display()} · {self.legal_entity.code}"


class SlaVersion(GovernedVersion):
    """One version of an SLA: the latency target and warning threshold for the flow's records, the share
    that must meet it, and the freshness targets that make silence an alert too.

    - Latency: a record's time from receipt to delivery; `compliance_pct` of the records received in the
      evaluation window must be delivered within `target_seconds`; a 95th percentile above
      `warning_seconds` is a warning.
    - Statement freshness (bank statement ingestion): each active bank account of the entity has the
      prior (business) day's statement by `statement_due_local` in the entity's time zone.
    - Poll freshness: `poll_connector` has polled successfully within the last `poll_max_gap_minutes`.
    """

    approve_capability = Capability.CONFIGURE
    governed_parent_field = "definition"

    definition = models.ForeignKey(SlaDefinition, on_delete=models.PROTECT, related_name="versions")
    target_seconds = models.PositiveIntegerField(help_text="latency target, receipt → delivery")
    warning_seconds = models.PositiveIntegerField(help_text="95th percentile above this is a warning")
    compliance_pct = models.DecimalField(max_digits=5, decimal_places=2, default=95,
                                         help_text="share of records that must meet the target")
    statement_due_local = models.TimeField(null=True, blank=True,
                                           help_text="prior-day statement of each bank account by this local time")
    statement_business_days_only = models.BooleanField(default=True, help_text="no statements expected at weekends")
    poll_connector = models.ForeignKey("connectors.Connector", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    poll_max_gap_minutes = models.PositiveIntegerField(null=True, blank=True,
                                                       help_text="a successful poll at least this often")

    class Meta(GovernedVersion.Meta):
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="slaversion_unique_number"),
            models.CheckConstraint(condition=models.Q(warning_seconds__gt=0)
                                   & models.Q(warning_seconds__lte=models.F("target_seconds")),
                                   name="slaversion_warning_within_target"),
            models.CheckConstraint(condition=models.Q(compliance_pct__gt=0, compliance_pct__lte=100),
                                   name="slaversion_compliance_range"),
            models.CheckConstraint(condition=models.Q(poll_connector__isnull=True, poll_max_gap_minutes__isnull=True)
                                   | models.Q(poll_connector__isnull=False, poll_max_gap_minutes__gt=0),
                                   name="slaversion_poll_target_complete"),
            *GovernedVersion.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"


class SlaCheck(models.Model):
    """The last evaluation of one target of an SLA (latency, or freshness of one bank account or
    connector). Replaced on every evaluation; breaches are also exceptions (kind sla.breach)."""

    definition = models.ForeignKey(SlaDefinition, on_delete=models.CASCADE, related_name="checks")
    version = models.ForeignKey(SlaVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=CheckKind.choices)
    subject = models.CharField(max_length=120, blank=True, help_text="bank account or connector checked")
    bank_account = models.ForeignKey("banking.CompanyBankAccount", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    connector = models.ForeignKey("connectors.Connector", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    state = models.CharField(max_length=10, choices=CheckState.choices)
    measured = models.CharField(max_length=200, help_text="what was measured, in words")
    evaluated_at = models.DateTimeField()

    class Meta:
        ordering = ["definition", "kind", "subject"]

    def __str__(self) -> str:
        return f"{self.definition} {self.kind} {self.subject}: {self.state}"

    @property
    def badge_colour(self) -> str:
        return CHECK_BADGES.get(self.state, "grey")


def empty_histogram() -> list[int]:
    return [0] * (len(LATENCY_EDGES_S) + 1)


class FlowDailyStats(models.Model):
    """What one pipeline flow did on one (UTC) day for one legal entity through one connector.

    Records count on the day they were received. `histogram[i]` counts delivered records whose latency
    (received → delivered) was at most LATENCY_EDGES_S[i] and above the previous edge; the last slot counts
    the slower ones. `within_target`/`within_warning` count delivered records that met the SLA target and
    warning threshold in effect for the day (null: no approved SLA then). Maintained by
    `services.flow_stats_refresh` (beat, every minute, for the last two days) and by `sla_rollup` for history.
    """

    day = models.DateField()
    flow = models.CharField(max_length=60, help_text="pipeline flow (apps.sync.flows)")
    sla_flow = models.CharField(max_length=20, choices=SlaFlow.choices, blank=True)
    legal_entity = models.ForeignKey("masterdata.LegalEntity", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    connector = models.ForeignKey("connectors.Connector", on_delete=models.CASCADE, related_name="+")
    origin_system = models.ForeignKey("masterdata.SourceSystem", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", help_text="system the business object came from")
    received = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0, help_text="business exceptions and dead letters")
    pending = models.PositiveIntegerField(default=0, help_text="not finished when the row was computed")
    attempts = models.PositiveIntegerField(default=0, help_text="attempts, retries included")
    latency_sum_ms = models.BigIntegerField(default=0)
    histogram = models.JSONField(default=empty_histogram)
    within_target = models.PositiveIntegerField(null=True, blank=True)
    within_warning = models.PositiveIntegerField(null=True, blank=True)
    target_seconds = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "flow"]
        verbose_name_plural = "flow daily stats"
        constraints = [
            models.UniqueConstraint(fields=["day", "flow", "legal_entity", "connector", "origin_system"],
                                    name="flowdailystats_unique_key"),
            models.CheckConstraint(condition=models.Q(received=models.F("delivered") + models.F("failed")
                                                       + models.F("pending")),
                                   name="flowdailystats_counts_add_up"),
        ]
        indexes = [
            # Every SLA/control chart: a date range of some entities.
            models.Index(fields=["day", "legal_entity"], name="flowdailystats_day_entity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.flow} {self.legal_entity_id}"


class RollupState(models.Model):
    """One row per rollup: locked while it is recomputed (two refreshes never interleave) and telling
    the dashboards how fresh the figures are."""

    name = models.CharField(max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
