"""`manage.py export_payments BATCH_ID --format V [-o FILE]`: write a released batch as pain.001 and mark it sent."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.banking.formats.pain001 import VERSIONS
from apps.common.errors import DomainError
from apps.treasury.models import PaymentBatch
from apps.treasury.services import payment_batch_export


class Command(BaseCommand):
    help = "Write a released payment batch as a pain.001 file (XSD-validated) and mark the batch sent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("batch_id", help="the batch's reference (message id), or its database id")
        parser.add_argument("--format", dest="version", required=True, choices=VERSIONS, help="pain.001 version")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, batch_id: str, version: str, output: str | None, **options) -> None:
        batch = PaymentBatch.objects.filter(reference=batch_id).first()
        if batch is None and batch_id.isdigit():
            batch = PaymentBatch.objects.filter(pk=int(batch_id)).first()
        if batch is None:
            raise CommandError(f"no payment batch {batch_id!r}")
        try:
            xml = payment_batch_export(batch=batch, version=version)
        except DomainError as error:
            raise CommandError(error.message) from error
        if output:
            Path(output).write_bytes(xml)
            self.stderr.write(f"batch {batch.reference} written to {output} ({version}) and marked sent")
        else:
            self.stdout.write(xml.decode("utf-8"), ending="")
