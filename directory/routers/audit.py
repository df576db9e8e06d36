"""The audit trail, read-only. The router lives here, not in `audit/`, because it needs the
auth class (identity) and `audit/` imports only core and Django; its models, reads and
schemas stay in `audit/`. Writes are refused with 405 (config/methods.py): no operation
changes or deletes an event."""

from ninja import Query, Router

from audit.cursor import cursor_of, position_of
from audit.schemas import EventOut, EventPage, EventQuery, event_out
from audit.selectors import EventFilters, event_get, event_page
from core import keyset
from core.conditional import conditional
from core.errors import found
from directory.permissions import require_perm
from directory.routers.params import EventId
from identity.auth import AuthenticatedRequest, OAuth2Bearer
from identity.scopes import AUDIT

VIEW_EVENTS = "audit.view_auditevent"

router = Router(tags=["audit"], auth=OAuth2Bearer(scopes=[AUDIT]))


@router.get("/events/", response=EventPage, operation_id="audit_events_list")
@conditional
def audit_events_list(request: AuthenticatedRequest, query: Query[EventQuery]) -> EventPage:
    """Newest first; `next` links the older events (keyset on `(at, id)`: no event is skipped
    or repeated however many are recorded during the walk)."""
    require_perm(request.user, VIEW_EVENTS)
    filters = EventFilters(
        actor=query.actor,
        target_type=query.target_type,
        target_id=query.target_id,
        action=query.action,
        since=query.since,
        until=query.until,
    )
    after = keyset.cursor_parameter(position_of, query.cursor)
    events, more = event_page(filters=filters, after=after, limit=query.limit)
    next_url = keyset.next_url(request, cursor_of(events[-1])) if more else None
    return EventPage(items=[event_out(event) for event in events], next=next_url)


@router.get("/events/{event_id}/", response=EventOut, operation_id="audit_events_get")
@conditional
def audit_events_get(request: AuthenticatedRequest, event_id: EventId) -> EventOut:
    # Found before the permission check, as every path that names something (README).
    event = found(event_get(event_id=event_id))
    require_perm(request.user, VIEW_EVENTS)
    return event_out(event)
