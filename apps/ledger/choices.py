from django.db import models


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    LOCKED = "locked", "Locked"


PERIOD_TRANSITIONS = {
    PeriodStatus.OPEN: {PeriodStatus.CLOSED},
    PeriodStatus.CLOSED: {PeriodStatus.OPEN, PeriodStatus.LOCKED},
    PeriodStatus.LOCKED: set(),
}


class JournalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Posting failed"
    REVERSED = "reversed", "Reversed"


BADGE_COLOURS = {"open": "green", "closed": "amber", "locked": "grey", "draft": "grey", "posted": "green",
                 "failed": "red", "reversed": "grey"}
