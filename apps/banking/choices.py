from django.db import models


class StatementKind(models.TextChoices):
    BOOKED = "booked", "End-of-day statement (camt.053 / MT940 / BAI2)"
    INTRADAY = "intraday", "Intraday report (camt.052 / MT942)"
    NOTIFICATION = "notification", "Debit/credit notification (camt.054)"


class CreditDebit(models.TextChoices):
    CREDIT = "CRDT", "Credit"
    DEBIT = "DBIT", "Debit"


class EntryStatus(models.TextChoices):
    BOOKED = "BOOK", "Booked"
    PENDING = "PDNG", "Pending"
    INFO = "INFO", "Information"


class ReconciliationStatus(models.TextChoices):
    UNMATCHED = "unmatched", "Unmatched"
    MATCHED = "matched", "Matched"
    AMBIGUOUS = "ambiguous", "Ambiguous"
    EXCLUDED = "excluded", "Excluded"


class FileChannel(models.TextChoices):
    UPLOAD = "upload", "Upload"
    API = "api", "API upload"
    DROP_FOLDER = "drop_folder", "Drop folder"
    SFTP = "sftp", "SFTP"
    BANK_API = "bank_api", "Bank API"
    COMMAND = "command", "Command line"


class UploadStatus(models.TextChoices):
    """What became of one file a person uploaded (apps.banking.uploads)."""

    PENDING = "pending", "Waiting to be imported"
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Already imported"
    FAILED = "failed", "Not imported"


UPLOAD_BADGE_COLOURS = {"pending": "grey", "imported": "green", "duplicate": "blue", "failed": "red"}
