"""DOT's `createapplication`, its application and the audit event in one transaction."""

from typing import Any

from django.db import transaction
from oauth2_provider.management.commands import createapplication


class Command(createapplication.Command):  # type: ignore[misc]
    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
