"""Demo helper: print the one-time codes waiting in the SMS outbox (there is no SMS gateway in the
demo). Refuses to run in production, where codes must only ever reach the citizen's phone."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tereze.core.identity import mask
from tereze.core.models import Notification


class Command(BaseCommand):
    help = "Show the latest one-time codes from the SMS outbox (demo and development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iin", default="", help="only codes sent to this IIN")
        parser.add_argument("--limit", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        if os.environ.get("TEREZE_ENV") == "production":
            raise CommandError("codes are never shown in production")
        messages = Notification.objects.filter(topic__startswith="portal.code.", channel=Notification.Channel.SMS)
        if options["iin"]:
            messages = messages.filter(recipient_iin=options["iin"])
        for message in messages.order_by("-created_at")[: options["limit"]]:
            self.stdout.write(f"{message.created_at:%H:%M:%S}  {mask(message.recipient_iin)}  "
                              f"{message.topic.removeprefix('portal.code.'):8}  {message.body}")
