"""Service levels: the daily rollup of pipeline latency the SLA dashboards read (precomputed, so charts
stay fast at ten million records)."""

from __future__ import annotations

from django.db import models

from .choices import LATENCY_EDGES_S, SlaFlow


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
    attempts = models.PositiveIntegerField(default=0, help_text="processing attempts of these records, retries included")
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
