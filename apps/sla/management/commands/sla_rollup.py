"""Rebuild the daily flow rollup for the last N days (after a bulk load, a restore or a migration)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.sla.rollup import flow_stats_refresh


class Command(BaseCommand):
    help = "Recompute the SLA/flow daily rollup for the last N days (default 90)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options):
        today = timezone.now().date()
        written = 0
        # One day per transaction: a long backfill never holds the rollup lock for minutes.
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            written += flow_stats_refresh(first=day, last=day)
        self.stdout.write(f"{written} rollup rows for {days} days")
