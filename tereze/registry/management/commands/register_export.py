import csv
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tereze.registry.selectors import register_as_dict

CSV_COLUMNS = ["code", "name_kk", "name_ru", "name_en", "category", "recipient_type", "body", "version",
               "valid_from", "valid_to", "deadline_working_days", "fee", "channels", "access_model", "documents",
               "tiers"]


class Command(BaseCommand):
    help = "Export the whole register: JSON (round-trips exactly through register_import) or CSV (one row per version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", "-o", default="-")

    def handle(self, *args: object, **options: str) -> None:
        data = register_as_dict()
        out: Any = self.stdout if options["output"] == "-" else open(options["output"], "w", encoding="utf-8")  # noqa: SIM115
        try:
            if options["format"] == "json":
                out.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
                return
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(CSV_COLUMNS)
            for service in data["services"]:
                for standard in service["standards"]:
                    writer.writerow([
                        service["code"], service["name_kk"], service["name_ru"], service["name_en"],
                        service["category"], service["recipient_type"], service["body"], standard["version"],
                        standard["valid_from"], standard["valid_to"] or "", standard["deadline_working_days"],
                        standard["fee"], " ".join(standard["channels"]), standard["access_model"],
                        " ".join(d["code"] for d in standard["documents"]),
                        " ".join(f"{t['code']}:{t['deadline_working_days']}:{t['fee']}" for t in standard["tiers"]),
                    ])
            out.write(buffer.getvalue())
        finally:
            if out is not self.stdout:
                out.close()
