"""`manage.py verify_audit`: check the audit hash chain; exit 1 when it is broken."""

import sys

from django.core.management.base import BaseCommand

from apps.audit.models import AuditEvent
from apps.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain. Exits non-zero when a row was changed or deleted."

    def handle(self, *args, **options):
        breaks = audit_verify()
        total = AuditEvent.objects.count()
        if breaks:
            for item in breaks:
                self.stderr.write(f"audit event {item.event_id}: {item.problem}")
            self.stderr.write(f"audit chain BROKEN: {len(breaks)} problem(s) in {total} events")
            sys.exit(1)
        self.stdout.write(f"audit chain intact: {total} events verified")
