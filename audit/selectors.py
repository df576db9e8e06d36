"""Reads of the audit trail: newest first, keyset-paginated on (at, id) so a page costs the
same at any depth (the index audit_event_at_id) and needs no COUNT."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from audit.cursor import Position
from audit.models import AuditEvent


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
    events = AuditEvent.objects.filter(filters.q()).order_by("-at", "-id")
    if after is not None:
        at, event_id = after
        events = events.filter(Q(at__lt=at) | Q(at=at, id__lt=event_id))
    rows = list(events[: limit + 1])
    return rows[:limit], len(rows) > limit


def event_get(*, event_id: int) -> AuditEvent | None:
    return AuditEvent.objects.filter(pk=event_id).first()
