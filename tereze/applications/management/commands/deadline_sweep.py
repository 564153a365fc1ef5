from django.core.management.base import BaseCommand

from tereze.applications.actions import deadline_sweep


class Command(BaseCommand):
    help = ("Warn officials of tomorrow's deadlines, mark and escalate overdue applications "
            "(the worker runs it every 15 minutes).")

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in deadline_sweep().items()))
