"""Recording events, in the transaction of the change they describe.

Appenders are serialised so that two writers never chain to the same head:
- PostgreSQL: `pg_advisory_xact_lock` is held until the transaction ends; the next appender
  waits on it, and its head read, a new statement under READ COMMITTED (Django's default),
  sees the committed head.
- SQLite: every transaction is IMMEDIATE (config/settings.py), so it holds the database's
  write lock from its start: no other writer runs between the head read and the commit.
A write costs lock (PostgreSQL only) + head read + one insert, however many events it records.
The head is the newest event's hash or, once every event was pruned, the newest anchor's.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS, event_hash
from audit.context import actor
from audit.models import AuditAnchor, AuditEvent
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
    chain_lock()
    previous = chain_head()
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


def chain_lock() -> None:
    """Hold the chain until the current transaction ends (see the module's docstring)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The audit chain is locked inside a transaction.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def chain_head() -> str:
    """The hash the next event follows, in one query: the newest event's, else the newest
    anchor's (every event pruned), else GENESIS."""
    newest_event = AuditEvent.objects.order_by("-id").values("hash")[:1]
    newest_anchor = AuditAnchor.objects.order_by("-id").values("last_event_hash")[:1]
    event_sql, event_params = newest_event.query.sql_with_params()
    anchor_sql, anchor_params = newest_anchor.query.sql_with_params()
    with connection.cursor() as cursor:  # the ORM's SQL, with its parameters
        cursor.execute(
            f"SELECT COALESCE(({event_sql}), ({anchor_sql}))",
            [*event_params, *anchor_params],
        )
        row = cursor.fetchone()
    head: str | None = row[0] if row else None
    return head or GENESIS


def _ip(address: str | None) -> str | None:
    """As the database gives it back (IPv6 in its short form), so that the hash matches."""
    ip_field = AuditEvent._meta.get_field("ip")
    prepared: str | None = ip_field.get_prep_value(address) if address else None
    return prepared
