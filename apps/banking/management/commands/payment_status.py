"""`manage.py payment_status PATH [--json]`: import a pain.002 payment status report (contract: docs/CLI.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from apps.banking.choices import FileChannel
from apps.banking.formats import FormatError
from apps.banking.services import payment_status_import

from .import_statement import check_readable, refuse


class Command(BaseCommand):
    help = "Apply a pain.002 payment status report to the payments it answers. Exit code 2: unreadable file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the pain.002 file")
        parser.add_argument("--json", dest="as_json", action="store_true",
                            help="print one JSON object (see docs/CLI.md)")

    def handle(self, *args, path: str, as_json: bool, **options) -> None:
        check_readable(self, path)
        try:
            result = payment_status_import(path=path, filename=Path(path).name, channel=FileChannel.COMMAND)
        except FormatError as error:
            refuse(self, path, error.reason)
            return
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        report = result.report
        self.stdout.write(f"{path}: status report for {report.original_message_id or '(no message id)'}, "
                          f"group status {report.group_status or '-'}"
                          + (" (this file was received before; nothing changed)" if result.file_already_received
                             else ""))
        self.stdout.write(f"accepted: {len(result.accepted)}, rejected: {len(result.rejected)}, "
                          f"unchanged: {len(result.unchanged)}, matching no payment: {len(result.unmatched)}")
        for case in result.exceptions:
            self.stdout.write(f"exception #{case.pk}: {case.title}: {case.message}")
