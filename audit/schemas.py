"""What the API shows of an event: never `previous_hash` (the chain's plumbing); `hash`, so a
client can record the head it saw somewhere else and later prove the trail has not changed."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime, RootModel

from audit.cursor import CURSOR_PATTERN, MAX_ID
from audit.models import Action, AuditEvent

NO_NUL = r"^[^\x00]*$"


class ActorOut(Schema):
    id: int
    username: str


class TargetOut(Schema):
    type: str
    id: str
    label: str


class Changes(RootModel[dict[str, Any]]):
    """`{"field": [old, new]}` for updates; a password only as `"password": "changed"`."""


class EventOut(Schema):
    id: int
    at: datetime
    action: Action
    actor: ActorOut | None
    client_id: str | None = Field(description="The OAuth2 application of the actor's token.")
    scopes: list[str] = Field(description="The scopes of the actor's token.")
    ip: str | None
    request_id: str | None
    target: TargetOut
    changes: Changes
    hash: str = Field(description="SHA-256 of the event and of the hash of the one before it.")


class EventPage(Schema):
    items: list[EventOut]
    next: str | None = Field(description="The next (older) page, same filters; null at the end.")


class EventQuery(Schema):
    actor: int | None = Field(None, ge=1, le=MAX_ID, description="Actor's user id.")
    target_type: str | None = Field(None, max_length=32, pattern=NO_NUL)
    target_id: str | None = Field(None, max_length=64, pattern=NO_NUL)
    action: Action | None = None
    since: AwareDatetime | None = Field(None, description="RFC 3339; events at or after it.")
    until: AwareDatetime | None = Field(None, description="RFC 3339; events before it.")
    limit: int = Field(50, ge=1, le=100, description="Page size (1-100).")
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN, description="From `next`; opaque.")


def event_out(event: AuditEvent) -> EventOut:
    return EventOut(
        id=event.id,
        at=event.at,
        action=Action(event.action),
        actor=(
            None
            if event.actor_id is None
            else ActorOut(id=event.actor_id, username=event.actor_username)
        ),
        client_id=event.client_id or None,
        scopes=event.scopes.split(),
        ip=event.ip,
        request_id=event.request_id or None,
        target=TargetOut(type=event.target_type, id=event.target_id, label=event.target_label),
        changes=Changes(event.changes),
        hash=event.hash,
    )
