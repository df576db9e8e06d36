from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date, parse_datetime

from audit.retention import BATCH, events_prune


def cutoff(text: str) -> datetime:
    """An ISO 8601 date (midnight) or datetime; UTC unless it carries an offset."""
    try:
        moment = parse_datetime(text)
        day = parse_date(text) if moment is None else None
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise CommandError(
            f"--before {text!r} is not an ISO 8601 date or datetime "
            "(e.g. 2026-01-01 or 2026-01-01T12:00:00Z; UTC unless an offset is given)."
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Delete the audit events older than --before, oldest first, in batches, recording the "
        "last one deleted in an anchor so that audit_verify still passes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="ISO 8601 date or datetime (UTC)")
        parser.add_argument("--batch-size", type=int, default=BATCH, help=f"default {BATCH}")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, before: str, batch_size: int, dry_run: bool, **_: Any) -> None:
        moment = cutoff(before).astimezone(UTC)
        try:
            pruned = events_prune(before=moment, batch_size=batch_size, dry_run=dry_run)
        except ValueError as refused:
            raise CommandError(str(refused)) from refused
        when = moment.isoformat()
        if pruned.last is None:
            self.stdout.write(f"No event is older than {when}: nothing to prune.")
        elif dry_run:
            self.stdout.write(
                f"Dry run: {pruned.events} events older than {when} would be pruned, "
                f"up to event {pruned.last.id}; nothing deleted."
            )
        else:
            self.stdout.write(
                f"Pruned {pruned.events} events older than {when} in {pruned.batches} batches; "
                f"the chain now starts after event {pruned.last}."
            )
