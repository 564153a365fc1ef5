from django.core.management.base import BaseCommand, CommandError, CommandParser

from tereze.core.models import User
from tereze.core.tokens import token_issue


class Command(BaseCommand):
    help = "Print a new API bearer token for USERNAME (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="issued from the command line")

    def handle(self, *args: object, **options: str) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['username']}")
        self.stdout.write(token_issue(user=user, name=options["name"]))
