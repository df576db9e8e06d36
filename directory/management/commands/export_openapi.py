from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.api import api
from config.openapi import document

COMMITTED = Path(settings.BASE_DIR) / "openapi.json"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document (sorted keys) to openapi.json, or check it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=COMMITTED, help="'-' for stdout.")
        parser.add_argument(
            "--check", action="store_true", help="Fail if the file differs from the code."
        )

    def handle(self, *args: Any, output: Path, check: bool, **options: Any) -> None:
        text = document(api.get_openapi_schema())
        if str(output) == "-":
            self.stdout.write(text, ending="")
        elif check:
            if not output.exists() or output.read_text() != text:
                raise CommandError(f"{output} is stale: run `manage.py export_openapi`.")
        else:
            output.write_text(text)
            self.stdout.write(f"Wrote {output}")
