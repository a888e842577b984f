from django.db import models


class ConnectorKind(models.TextChoices):
    GL = "gl", "General ledger (ERP)"
    PROCUREMENT = "procurement", "Procurement suite"
    TREASURY = "treasury", "Treasury system"
    BANK = "bank", "Bank channel"
    WEBHOOK = "webhook", "Signed webhook receiver"
    REST_POLLER = "rest_poller", "Generic JSON REST poller"


class CircuitState(models.TextChoices):
    CLOSED = "closed", "Closed (healthy)"
    OPEN = "open", "Open (calls paused)"
    HALF_OPEN = "half_open", "Half-open (probing)"


class AuthState(models.TextChoices):
    OK = "ok", "Authorised"
    REAUTHORISE = "reauthorise", "Re-authorise needed"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Run now"
    WEBHOOK = "webhook", "Webhook"
    FILE = "file", "File"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


BADGE_COLOURS = {"closed": "green", "open": "red", "half_open": "amber", "ok": "green", "reauthorise": "red",
                 "running": "blue", "succeeded": "green", "failed": "red"}
