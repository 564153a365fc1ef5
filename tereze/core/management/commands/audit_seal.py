from django.core.management.base import BaseCommand

from tereze.core.audit import audit_seal


class Command(BaseCommand):
    help = "Chain pending audit entries (the periodic task does this every minute)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"sealed {audit_seal()} entries")
