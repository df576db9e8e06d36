"""The opaque position of a keyset page: the (at, id) of the last event a page showed."""

import base64
import binascii
from datetime import datetime

from audit.models import AuditEvent

MAX_ID = 2**63 - 1
Position = tuple[datetime, int]


class MalformedCursor(ValueError):
    pass


def cursor_of(event: AuditEvent) -> str:
    raw = f"{event.at.isoformat()}|{event.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def position_of(cursor: str) -> Position:
    """The (at, id) a cursor names; MalformedCursor for anything cursor_of did not write."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, id_text = raw.split("|")
        at, event_id = datetime.fromisoformat(at_text), int(id_text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise MalformedCursor from exc
    if at.tzinfo is None or not 1 <= event_id <= MAX_ID:
        raise MalformedCursor
    return at, event_id
