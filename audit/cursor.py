"""The position of an audit page: the (at, id) of the last event a page showed, as a keyset
cursor (core.keyset) `<microseconds since the epoch>.<id>`: 16 digits of microseconds reach
the year 2286, 18 digits of id stay under 2**63."""

from datetime import UTC, datetime, timedelta

from audit.models import AuditEvent
from core.keyset import CursorFormat, Part

MAX_ID = 2**63 - 1
CURSOR = CursorFormat((Part(digits=16, positive=False), Part(digits=18)))
CURSOR_PATTERN = CURSOR.pattern
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ORDER = ("-at", "-id")  # newest first; the index audit_event_at_id
Position = tuple[datetime, int]


def cursor_of(event: AuditEvent) -> str:
    return CURSOR.write(((event.at - EPOCH) // timedelta(microseconds=1), event.id))


def position_of(cursor: str) -> Position:
    """The (at, id) a cursor names; core.keyset.MalformedCursor for anything cursor_of did
    not write."""
    micros, event_id = CURSOR.read(cursor)
    return EPOCH + timedelta(microseconds=micros), event_id
