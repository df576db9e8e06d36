"""Reads of the audit trail: newest first, keyset-paginated on (at, id) so a page costs the
same at any depth (the index audit_event_at_id) and needs no COUNT."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from audit.cursor import ORDER, Position
from audit.models import AuditEvent
from core import keyset


@dataclass(frozen=True)
class EventFilters:
    actor: int | None = None
    target_type: str | None = None
    target_id: str | None = None
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def q(self) -> Q:
        fields = {
            "actor_id": self.actor,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "action": self.action,
            "at__gte": self.since,
            "at__lt": self.until,
        }
        return Q(**{name: value for name, value in fields.items() if value is not None})


def event_page(
    *, filters: EventFilters, after: Position | None, limit: int
) -> tuple[list[AuditEvent], bool]:
    """Up to `limit` events older than `after`, newest first, and whether more follow: one
    query, which reads one row past the page."""
    events = AuditEvent.objects.filter(filters.q()).order_by(*ORDER)
    if after is not None:
        events = events.filter(keyset.after(ORDER, after))
    return keyset.split(list(events[: limit + 1]), limit)


def event_get(*, event_id: int) -> AuditEvent | None:
    return AuditEvent.objects.filter(pk=event_id).first()
