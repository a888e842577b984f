from django.db import models


class RecordStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Business exception"
    DEAD_LETTER = "dead_letter", "Dead letter"


ACTIVE_STATUSES = (RecordStatus.RECEIVED, RecordStatus.PROCESSING, RecordStatus.RETRY_WAIT)
TERMINAL_STATUSES = (RecordStatus.DELIVERED, RecordStatus.EXCEPTION, RecordStatus.DEAD_LETTER)


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    DUPLICATE = "duplicate", "Already delivered (idempotent)"
    TECHNICAL_ERROR = "technical_error", "Technical error (will retry)"
    BUSINESS_ERROR = "business_error", "Business exception"
    DEAD_LETTER = "dead_letter", "Dead-lettered"
    CIRCUIT_OPEN = "circuit_open", "Skipped: circuit open"
    THROTTLED = "throttled", "Waited: connector rate limit"


BADGE_COLOURS = {"received": "blue", "processing": "blue", "retry_wait": "amber", "delivered": "green",
                 "exception": "red", "dead_letter": "red", "duplicate": "green", "technical_error": "amber",
                 "business_error": "red", "circuit_open": "grey"}
