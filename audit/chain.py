"""The hash chain: each event's hash covers its content and the hash of the event before it
(in id order), so changing, deleting or inserting one out of place breaks a link."""

import hashlib
import json
from typing import Any

from audit.models import AuditEvent

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "at",
    "action",
    "actor_id",
    "actor_username",
    "client_id",
    "scopes",
    "ip",
    "request_id",
    "target_type",
    "target_id",
    "target_label",
    "changes",
    "previous_hash",
)


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no whitespace), `at` in RFC 3339
    with microseconds: the same text whichever database the event was read back from."""
    content: dict[str, Any] = {name: getattr(event, name) for name in CONTENT_FIELDS}
    content["at"] = event.at.isoformat(timespec="microseconds")
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def first_break(events: Any) -> str | None:
    """Why the chain of `events` (in id order) breaks at its first bad event, or None."""
    previous = GENESIS
    for event in events:
        if event.previous_hash != previous:
            return (
                f"Event {event.id} does not follow the event before it: an event was deleted "
                "before it, or it was inserted out of place."
            )
        if event_hash(event) != event.hash:
            return f"Event {event.id} was changed: its content does not match its hash."
        previous = event.hash
    return None
