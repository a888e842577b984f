"""Configured connections to external systems, their polling cursors, runs and cached tokens."""

from __future__ import annotations

from django.db import models
from django_celery_beat.models import PeriodicTask

from apps.common.models import TimeStampedModel
from apps.masterdata.models import LegalEntity, SourceSystem

from .choices import AuthState, CircuitState, ConnectorKind, RunStatus, RunTrigger


class Connector(TimeStampedModel):
    """One configured connection to an external system (an ERP tenant, a Coupa instance, a bank channel).

    Credentials and the webhook secret are stored encrypted (see crypto.py) and never leave the server.
    """

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="connectors")
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    adapter = models.CharField(max_length=40, help_text="adapter registry key, e.g. sap_s4, coupa, kyriba, bank")
    base_url = models.URLField(max_length=300, blank=True)
    default_legal_entity = models.ForeignKey(LegalEntity, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True, help_text="adapter options (page size, field paths…)")
    credentials_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    schedule = models.OneToOneField(PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="connector", help_text="polling schedule, editable in the admin")
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    # Circuit breaker and health
    circuit_state = models.CharField(max_length=10, choices=CircuitState.choices, default=CircuitState.CLOSED)
    circuit_opened_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    auth_state = models.CharField(max_length=12, choices=AuthState.choices, default=AuthState.OK)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Interface catalog
    owning_domain = models.CharField(max_length=60, blank=True)
    owning_team = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ConnectorCursor(models.Model):
    """Durable polling position for one stream (object type) of a connector: a watermark and offset."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=60)
    position = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["connector", "stream"]
        constraints = [models.UniqueConstraint(fields=["connector", "stream"], name="cursor_unique_stream")]

    def __str__(self) -> str:
        return f"{self.connector.code}:{self.stream}"


class ConnectorToken(models.Model):
    """The cached OAuth2 access token of a connector (encrypted), refreshed before it expires."""

    connector = models.OneToOneField(Connector, on_delete=models.CASCADE, related_name="token")
    token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["connector"]

    def __str__(self) -> str:
        return f"token of {self.connector.code}"


class ConnectorRun(models.Model):
    """One poll, file ingestion or webhook batch, with the counts that expose silent loss:
    read must equal stored + duplicates + rejected (+ failed)."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    read = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.connector.code} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def unaccounted(self) -> int:
        """Records read but neither stored, skipped as duplicates, rejected nor failed: silent loss."""
        return self.read - self.stored - self.duplicates - self.rejected - self.failed
