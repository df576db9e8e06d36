from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import first_break
from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit trail's hash chain from its oldest event; exits 1 at the first break."

    def handle(self, *args: Any, **options: Any) -> None:
        events = AuditEvent.objects.order_by("id")
        broken = first_break(events.iterator(chunk_size=2000))
        if broken is not None:
            raise CommandError(broken)
        self.stdout.write(f"{events.count()} events, chain intact")
