from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from tereze.core.models import User
from tereze.core.roles import Role
from tereze.demo.country import DEMO_PASSWORD, demo_country


class Command(BaseCommand):
    help = "Load the demo country (idempotent; deterministic for a seed) and print the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=float, default=1.0, help="grows centres, staff, people and history")
        parser.add_argument("--history-days", type=int, default=21)

    def handle(self, *args: object, **options: Any) -> None:
        try:
            accounts = demo_country(seed=options["seed"], scale=options["scale"],
                                    history_days=options["history_days"], out=self.stdout)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"\nDemo accounts (staff password for all: {DEMO_PASSWORD})")
        with translation.override("en"):
            self._print_accounts(accounts)

    def _print_accounts(self, accounts: dict[str, list[str]]) -> None:
        for role in Role:
            names = accounts.get(role.value, [])
            if names:
                more = f" (and {len(names) - 2} more)" if len(names) > 2 else ""
                self.stdout.write(f"  {role.label:<28} {', '.join(names[:2])}{more}")
        citizens = list(User.objects.filter(role=Role.CITIZEN).order_by("pk").values_list("iin", flat=True)[:3])
        self.stdout.write(f"  {'Citizen (IIN)':<28} {', '.join(i or '' for i in citizens)}")
        self.stdout.write(
            "Staff sign in at /staff/login/ with the password above; the administration (register, SMS outbox, "
            "audit log) is at /admin/ as user admin.\n"
            "Citizens sign in at /signin/ with an IIN above; the one-time code goes to the SMS outbox: read it in "
            "/admin/core/notification/ or with `.venv/bin/tereze portal_codes`.\n"
            "API token for any account: .venv/bin/tereze issue_token USERNAME")
