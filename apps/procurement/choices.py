from django.db import models


class PurchaseOrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class InvoiceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    MATCHED = "matched", "Matched"
    APPROVED = "approved", "Approved"
    POSTED = "posted", "Posted"
    PAID = "paid", "Paid"
    DISPUTED = "disputed", "Disputed"
    CANCELLED = "cancelled", "Cancelled"


BADGE_COLOURS = {"open": "blue", "partially_received": "amber", "received": "green", "closed": "grey",
                 "cancelled": "grey", "matched": "blue", "approved": "green", "posted": "green",
                 "paid": "green", "disputed": "red"}
