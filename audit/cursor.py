"""The position of a keyset page: the (at, id) of the last event a page showed, written
`<microseconds since the epoch>.<id>`. Opaque to clients, but its pattern is in the OpenAPI
document, and every string that matches it is a position (so a schema-valid cursor is never
refused): 16 digits of microseconds reach the year 2286, 18 digits of id stay under 2**63."""

from datetime import UTC, datetime, timedelta

from audit.models import AuditEvent

MAX_ID = 2**63 - 1
CURSOR_PATTERN = r"^[0-9]{1,16}\.[1-9][0-9]{0,17}$"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Position = tuple[datetime, int]


class MalformedCursor(ValueError):
    pass


def cursor_of(event: AuditEvent) -> str:
    return f"{(event.at - EPOCH) // timedelta(microseconds=1)}.{event.id}"


def position_of(cursor: str) -> Position:
    """The (at, id) a cursor names; MalformedCursor for anything cursor_of did not write."""
    micros, _, event_id = cursor.partition(".")
    if not (micros.isascii() and micros.isdigit() and event_id.isascii() and event_id.isdigit()):
        raise MalformedCursor
    if not 1 <= int(event_id) <= MAX_ID:
        raise MalformedCursor
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(event_id)
    except OverflowError as exc:
        raise MalformedCursor from exc
