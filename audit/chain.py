"""The hash chain: each event's hash covers its content and the hash of the event before it
(in id order), so changing, deleting or inserting one out of place breaks a link. After a prune
(audit.retention) the chain starts from the newest anchor: the last pruned event's hash. Anchors
are chained and hashed the same way."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from audit.models import AuditAnchor, AuditEvent

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


@dataclass(frozen=True)
class Head:
    """An event by its id and hash: the newest one, or the last one pruned."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.id}:{self.hash}"


ANCHOR_FIELDS = ("at", "before", "pruned", "last_event_id", "last_event_hash", "previous_hash")


def _digest(row: models.Model, names: tuple[str, ...], times: tuple[str, ...]) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no whitespace), datetimes in
    RFC 3339 with microseconds: the same text whichever database the row was read back from."""
    content: dict[str, Any] = {name: getattr(row, name) for name in names}
    for name in times:
        content[name] = content[name].isoformat(timespec="microseconds")
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    return _digest(event, CONTENT_FIELDS, ("at",))


def anchor_hash(anchor: AuditAnchor) -> str:
    return _digest(anchor, ANCHOR_FIELDS, ("at", "before"))


def anchors_break(anchors: Iterable[AuditAnchor]) -> str | None:
    """Why the chain of `anchors` (in id order) breaks at its first bad anchor, or None."""
    previous, pruned_up_to = GENESIS, 0
    for anchor in anchors:
        if anchor.previous_hash != previous:
            return (
                f"Anchor {anchor.id} does not follow the anchor before it: an anchor was deleted "
                "before it, or it was inserted out of place."
            )
        if anchor_hash(anchor) != anchor.hash or anchor.last_event_id <= pruned_up_to:
            return f"Anchor {anchor.id} was changed: its content does not match its hash."
        previous, pruned_up_to = anchor.hash, anchor.last_event_id
    return None


def first_break(
    events: Iterable[AuditEvent], previous: str = GENESIS, pruned_up_to: int = 0
) -> str | None:
    """Why the chain of `events` (in id order) breaks at its first bad event, or None. The first
    event follows `previous`: GENESIS, or the hash of the last pruned event (id `pruned_up_to`)."""
    for event in events:
        if event.previous_hash != previous or event.id <= pruned_up_to:
            return (
                f"Event {event.id} does not follow the event before it: an event was deleted "
                "before it, or it was inserted out of place."
            )
        if event_hash(event) != event.hash:
            return f"Event {event.id} was changed: its content does not match its hash."
        previous = event.hash
    return None
