"""Roles and capabilities: the access matrix, in one place (docs/ACCESS.md shows it).

Pages, API views, websocket consumers and services all ask `can(user, capability)`; nothing checks
a role name directly.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CONTROLLER = "controller", "Controller"
    TREASURY_OPS = "treasury_ops", "Treasury operations"
    INTEGRATION_ADMIN = "integration_admin", "Integration admin"
    AUDITOR = "auditor", "Auditor (read-only)"
    SYSTEM_ADMIN = "system_admin", "System admin"


class Capability(models.TextChoices):
    VIEW = "view", "View data and exceptions"
    RESOLVE = "resolve", "Resolve, assign and ignore exceptions"
    REPLAY = "replay", "Replay records"
    APPROVE_MAPPINGS = "approve_mappings", "Propose and approve mappings"
    APPROVE_BANK_DETAILS = "approve_bank_details", "Approve supplier bank-detail changes"
    RELEASE_PAYMENTS = "release_payments", "Create and release payment batches"
    CONFIGURE = "configure", "Configure connectors, SLAs and controls"
    MANAGE_USERS = "manage_users", "Manage users and roles"
    VIEW_AUDIT = "view_audit", "Browse and export the audit trail"
    IMPORT_BANK_FILES = "import_bank_files", "Upload bank statements and payment status reports"
    RECONCILE = "reconcile", "Confirm, match and undo bank reconciliation"


C = Capability
ACCESS_MATRIX: dict[str, frozenset[str]] = {
    Role.CONTROLLER: frozenset({C.VIEW, C.RESOLVE, C.REPLAY, C.APPROVE_MAPPINGS, C.APPROVE_BANK_DETAILS,
                                C.VIEW_AUDIT, C.RECONCILE}),
    Role.TREASURY_OPS: frozenset({C.VIEW, C.RESOLVE, C.REPLAY, C.RELEASE_PAYMENTS, C.APPROVE_BANK_DETAILS,
                                  C.IMPORT_BANK_FILES, C.RECONCILE}),
    Role.INTEGRATION_ADMIN: frozenset({C.VIEW, C.RESOLVE, C.REPLAY, C.APPROVE_MAPPINGS, C.CONFIGURE,
                                       C.IMPORT_BANK_FILES}),
    Role.AUDITOR: frozenset({C.VIEW, C.VIEW_AUDIT}),
    Role.SYSTEM_ADMIN: frozenset({C.VIEW, C.CONFIGURE, C.MANAGE_USERS, C.VIEW_AUDIT}),
}

# Django model permissions each role's group receives, so the admin obeys the same matrix.
# "view" on every FinSync model for everybody; changes only where the role configures things.
ADMIN_CHANGE_APPS: dict[str, tuple[str, ...]] = {
    Role.CONTROLLER: (),
    Role.TREASURY_OPS: (),
    Role.INTEGRATION_ADMIN: ("django_celery_beat", "catalog"),
    Role.AUDITOR: (),
    Role.SYSTEM_ADMIN: ("auth", "access", "masterdata", "ledger", "banking", "django_celery_beat",
                         "catalog"),
}


def access_matrix_markdown() -> str:
    """The matrix as the Markdown table in docs/ACCESS.md (tests/security/test_access_doc.py keeps them equal)."""
    roles = list(Role)
    lines = ["| capability | " + " | ".join(r.label for r in roles) + " |",
             "|---|" + "|".join(":-:" for _ in roles) + "|"]
    for cap in Capability:
        lines.append(f"| {cap.label} | " + " | ".join("✔" if cap in ACCESS_MATRIX[r] else "" for r in roles) + " |")
    return "\n".join(lines)
