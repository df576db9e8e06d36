"""Pruning the oldest events so that `audit_verify` still passes: the events are deleted in
chain (id) order, and an anchor records the last deleted one's id and hash, which the oldest
remaining event follows (audit.chain).

Each batch is its own transaction holding the chain's lock (audit.services.chain_lock), so a
prune never races an appender and holds the lock for one batch at a time; after every commit
the chain verifies from the newest anchor."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from audit.chain import GENESIS, Head, anchor_hash
from audit.models import AuditAnchor, AuditEvent
from audit.services import chain_lock

BATCH = 5000


@dataclass(frozen=True)
class Pruned:
    events: int
    batches: int
    last: Head | None  # the last event pruned (or that a dry run would prune)


def events_prune(*, before: datetime, batch_size: int = BATCH, dry_run: bool = False) -> Pruned:
    """Delete the oldest events up to the first one at or after `before` (a past instant), in
    batches of `batch_size`; a dry run deletes nothing and reports what a prune would do."""
    if before > timezone.now():
        raise ValueError("A prune's cutoff is in the past: events from the future are not old.")
    if batch_size < 1:
        raise ValueError("The batch size is a positive number of events.")
    before = before.astimezone(UTC)  # as the database gives it back, so that the hash matches
    count, batches, last, anchor_id = 0, 0, None, None
    while True:
        after = last.id if last else 0
        if dry_run:
            batch = _oldest(after, before, batch_size)
        else:
            with transaction.atomic():
                chain_lock()
                batch = _oldest(after, before, batch_size)
                if batch:
                    AuditEvent.objects.filter(id__lte=batch[-1].id).delete()
                    anchor_id = _anchor(anchor_id, batch, before)
        if not batch:
            break
        count, batches, last = count + len(batch), batches + 1, batch[-1]
        if len(batch) < batch_size:
            break
    return Pruned(count, batches, last)


def _oldest(after: int, before: datetime, size: int) -> list[Head]:
    """The leading run of events older than `before` among the `size` after event `after`: the
    chain is cut at its first newer event even if an older one follows (a clock stepped back)."""
    rows = AuditEvent.objects.filter(id__gt=after).order_by("id").values_list("id", "at", "hash")
    run = []
    for event_id, at, event_hash in rows[:size]:
        if at >= before:
            break
        run.append(Head(event_id, event_hash))
    return run


def _anchor(anchor_id: int | None, batch: list[Head], before: datetime) -> int:
    """Record `batch`'s last event as the pruned head: in this prune's anchor while it is the
    newest, else in a new one chained to the newest."""
    newest = AuditAnchor.objects.order_by("-id").first()
    if newest is not None and newest.id == anchor_id:
        anchor = newest
        anchor.pruned += len(batch)
    else:
        anchor = AuditAnchor(
            before=before, pruned=len(batch), previous_hash=newest.hash if newest else GENESIS
        )
    anchor.at = timezone.now()
    anchor.last_event_id, anchor.last_event_hash = batch[-1].id, batch[-1].hash
    anchor.hash = anchor_hash(anchor)
    anchor.save()
    return anchor.id
