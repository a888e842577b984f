"""`manage.py import_statement PATH [--dry-run] [--json]`: import a bank statement file (contract: docs/CLI.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from apps.banking.choices import FileChannel
from apps.banking.formats import FormatError
from apps.banking.services import Outcome, statement_import

UNREADABLE_EXIT_CODE = 2


def refuse(command: BaseCommand, path: str, reason: str) -> None:
    """ONE line on stderr naming the file and the reason, then exit code 2."""
    command.stderr.write(f"{path}: {' '.join(reason.split())}", style_func=lambda text: text)
    raise SystemExit(UNREADABLE_EXIT_CODE)


def check_readable(command: BaseCommand, path: str) -> None:
    """Refuse a path that cannot be opened for reading (the import then streams it from disk)."""
    try:
        with Path(path).open("rb") as handle:
            handle.read(1)
    except OSError as error:
        refuse(command, path, f"the file could not be opened ({error.strerror or error})")


class Command(BaseCommand):
    help = "Import a bank statement file (camt.052/053/054, MT940/MT942, BAI2). Exit code 2: the file is unreadable."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the statement file")
        parser.add_argument("--dry-run", action="store_true", help="read and check everything, store nothing")
        parser.add_argument("--json", dest="as_json", action="store_true",
                            help="print one JSON object (see docs/CLI.md)")

    def handle(self, *args, path: str, dry_run: bool, as_json: bool, **options) -> None:
        check_readable(self, path)
        try:
            result = statement_import(path=path, filename=Path(path).name, channel=FileChannel.COMMAND,
                                      dry_run=dry_run)
        except FormatError as error:
            refuse(self, path, error.reason)
            return
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        verb = "would be" if dry_run else "were"
        self.stdout.write(f"{path}: {result.format}, {len(result.statements)} statement(s)"
                          + (" (this file was received before)" if result.file_already_received else ""))
        for outcome in result.statements:
            parsed = outcome.parsed
            what = {Outcome.CREATED: f"{'would be stored' if dry_run else 'stored'}",
                    Outcome.DUPLICATE: "already stored (duplicate)",
                    Outcome.UNKNOWN_ACCOUNT: "account not set up, not stored"}[outcome.outcome]
            self.stdout.write(f"  {parsed.statement_id or '-'} {parsed.account or '-'} {outcome.currency or ''}: "
                              f"{outcome.entry_count} entries, {what}"
                              + "".join(f"; exception #{c.pk}: {c.title}" for c in outcome.exceptions if not dry_run))
        self.stdout.write(f"{result.created} statement(s) {verb} created, {result.duplicates} duplicate(s), "
                          f"{result.unknown_accounts} for unknown accounts.")
