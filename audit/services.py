"""Recording events, in the transaction of the change they describe.

Appenders are serialised so that two writers never chain to the same head:
- PostgreSQL: `pg_advisory_xact_lock` is held until the transaction ends; the next appender
  waits on it, and its head read, a new statement under READ COMMITTED (Django's default),
  sees the committed head.
- SQLite: every transaction is IMMEDIATE (config/settings.py), so it holds the database's
  write lock from its start: no other writer runs between the head read and the commit.
A write costs lock (PostgreSQL only) + head read + one insert, however many events it records.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS, event_hash
from audit.context import actor
from audit.models import AuditEvent
from core.request_id import current_request_id

# Any fixed 64-bit key, the same for every appender.
CHAIN_LOCK = 0x6175646974  # "audit"


@dataclass(frozen=True)
class Change:
    action: str
    target_type: str
    target_id: object
    target_label: str
    changes: dict[str, Any] = field(default_factory=dict)


def event_record(
    *,
    action: str,
    target_type: str,
    target_id: object,
    target_label: str,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one change made by the current request's actor."""
    (event,) = events_record([Change(action, target_type, target_id, target_label, changes or {})])
    return event


def events_record(changes: list[Change]) -> list[AuditEvent]:
    """Record `changes`, in order, with one insert. Must run inside the write's transaction:
    an event commits or rolls back with its change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are recorded inside the change's transaction.")
    if not changes:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
    previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
    who = actor()
    at = timezone.now()
    events = []
    for change in changes:
        event = AuditEvent(
            at=at,
            action=change.action,
            actor_id=who.user_id if who else None,
            actor_username=who.username if who else "",
            client_id=(who.client_id or "") if who else "",
            scopes=who.scopes if who else "",
            ip=_ip(who.ip if who else None),
            request_id=current_request_id() or "",
            target_type=change.target_type,
            target_id=str(change.target_id),
            target_label=change.target_label,
            changes=change.changes,
            previous_hash=previous,
        )
        event.hash = previous = event_hash(event)
        events.append(event)
    return AuditEvent.objects.bulk_create(events)


def _ip(address: str | None) -> str | None:
    """As the database gives it back (IPv6 in its short form), so that the hash matches."""
    ip_field = AuditEvent._meta.get_field("ip")
    prepared: str | None = ip_field.get_prep_value(address) if address else None
    return prepared
