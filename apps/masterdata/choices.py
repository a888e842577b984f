"""Statuses and kinds for master data, with labels and badge colours."""

from django.db import models


class SystemKind(models.TextChoices):
    GL = "gl", "General ledger (ERP)"
    PROCUREMENT = "procurement", "Procurement suite"
    TREASURY = "treasury", "Treasury system"
    BANK = "bank", "Bank channel"
    OTHER = "other", "Other"


class SupplierStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACTIVE = "active", "Active"
    BLOCKED = "blocked", "Blocked"
    MERGED = "merged", "Merged into another"


class BankAccountStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    REJECTED = "rejected", "Rejected"


BADGE_COLOURS = {
    "pending": "amber",
    "pending_approval": "amber",
    "active": "green",
    "blocked": "red",
    "rejected": "red",
    "merged": "grey",
    "inactive": "grey",
}
