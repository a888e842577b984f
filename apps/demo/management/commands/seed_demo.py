"""`manage.py seed_demo`: load the demo world. Idempotent: a second run creates nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.demo.services import demo_seed


class Command(BaseCommand):
    help = "Load deterministic demo data (entities, suppliers, documents, users). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261126)
        parser.add_argument("--force", action="store_true", help="seed even when FINSYNC_DEMO is off")

    def handle(self, *args, seed: int, force: bool, **options):
        if not settings.DEMO_MODE and not force:
            raise CommandError("FINSYNC_DEMO is off: refusing to load demo users into a real installation "
                               "(use --force if you mean it)")
        created = demo_seed(seed=seed)
        if created:
            summary = ", ".join(f"{n} {model}" for model, n in sorted(created.items()))
            self.stdout.write(f"demo data created: {summary}")
        else:
            self.stdout.write("demo data already present: nothing created")
