"""Recount the open-exception tally from the exceptions table (after a bulk load, a restore, or to repair it)."""

from django.core.management.base import BaseCommand

from apps.exceptions.tally import tally_compact, tally_rebuild


class Command(BaseCommand):
    help = "Rebuild the open-exception tally the exception dashboards read (or, with --compact, only fold it)."

    def add_arguments(self, parser):
        parser.add_argument("--compact", action="store_true", help="only fold the delta rows, no recount")

    def handle(self, *args, compact: bool, **options):
        if not compact:
            self.stdout.write(f"{tally_rebuild():,} open exceptions counted")
        self.stdout.write(f"{tally_compact():,} tally rows")
