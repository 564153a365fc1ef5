import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tereze.core.errors import ValidationFailed
from tereze.registry.actions import register_import


class Command(BaseCommand):
    help = "Import a register JSON file written by register_export (published versions are never overwritten)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: object, **options: str) -> None:
        try:
            with open(options["path"], encoding="utf-8") as handle:
                data = json.load(handle)
            counts = register_import(data=data)
        except (OSError, json.JSONDecodeError, ValidationFailed, KeyError) as error:
            raise CommandError(f"cannot import {options['path']}: {error}") from None
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
