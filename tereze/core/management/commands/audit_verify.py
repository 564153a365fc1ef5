import sys

from django.core.management.base import BaseCommand, CommandParser

from tereze.core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Seal pending audit entries, then verify the hash chain. Exits 1 naming the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-seal", action="store_true", help="verify only what is already sealed")

    def handle(self, *args: object, **options: object) -> None:
        if not options["no_seal"]:
            audit_seal()
        checked, broken = audit_verify()
        if broken is not None:
            self.stderr.write(f"audit chain BROKEN at entry {broken.seq}"
                              f"{f' (row id {broken.entry_id})' if broken.entry_id else ''}: {broken.reason}; "
                              f"{checked} entries before it are intact")
            sys.exit(1)
        self.stdout.write(f"audit chain intact: {checked} entries")
