from django.db import models


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_RELEASE = "pending_release", "Awaiting release"
    RELEASED = "released", "Released"
    SENT = "sent", "Sent to bank"
    ACCEPTED = "accepted", "Accepted by bank"
    PARTIALLY_REJECTED = "partially_rejected", "Partially rejected"
    REJECTED = "rejected", "Rejected by bank"
    COMPLETED = "completed", "Completed"


BATCH_TRANSITIONS = {
    BatchStatus.DRAFT: {BatchStatus.PENDING_RELEASE},
    BatchStatus.PENDING_RELEASE: {BatchStatus.RELEASED, BatchStatus.DRAFT},
    BatchStatus.RELEASED: {BatchStatus.SENT},
    BatchStatus.SENT: {BatchStatus.ACCEPTED, BatchStatus.PARTIALLY_REJECTED, BatchStatus.REJECTED},
    BatchStatus.ACCEPTED: {BatchStatus.COMPLETED, BatchStatus.PARTIALLY_REJECTED, BatchStatus.REJECTED},
    BatchStatus.PARTIALLY_REJECTED: {BatchStatus.COMPLETED},
    BatchStatus.REJECTED: set(),
    BatchStatus.COMPLETED: set(),
}


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    HELD = "held", "Held for review"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent to bank"
    ACCEPTED = "accepted", "Accepted by bank"
    REJECTED = "rejected", "Rejected by bank"
    SETTLED = "settled", "Settled"
    CANCELLED = "cancelled", "Cancelled"


class CashPositionKind(models.TextChoices):
    BOOKED = "booked", "Booked (end of day)"
    INTRADAY = "intraday", "Intraday"
    FORECAST = "forecast", "Forecast"


BADGE_COLOURS = {"draft": "grey", "pending_release": "amber", "released": "blue", "sent": "blue",
                 "accepted": "green", "partially_rejected": "amber", "rejected": "red", "completed": "green",
                 "created": "grey", "held": "amber", "approved": "blue", "settled": "green", "cancelled": "grey"}
