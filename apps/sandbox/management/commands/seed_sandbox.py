from django.core.management.base import BaseCommand

from apps.sandbox.services import sandbox_seed


class Command(BaseCommand):
    help = "Fill the sandbox systems (ERP, Coupa, treasury, bank) with deterministic data. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261126)

    def handle(self, *args, seed: int, **options):
        created = sandbox_seed(seed=seed)
        summary = ", ".join(f"{n} {name}" for name, n in sorted(created.items())) or "nothing new"
        self.stdout.write(f"sandbox seeded ({seed}): {summary}")
