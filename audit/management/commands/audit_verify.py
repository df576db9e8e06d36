import re
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.chain import GENESIS, Head, anchors_break, first_break
from audit.models import AuditAnchor, AuditEvent

HEAD = re.compile(r"(?P<id>[1-9][0-9]*):(?P<hash>[0-9a-f]{64})")
ATTEMPTS = 3


class Walk:
    """The events in id order, counted, remembering the last one read."""

    def __init__(self) -> None:
        self.count: int = 0
        self.last: Head | None = None

    def __iter__(self) -> Iterator[AuditEvent]:
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
            self.count, self.last = self.count + 1, Head(event.id, event.hash)
            yield event


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain from its oldest event (or the newest prune's "
        "anchor); exits 1 at the first break, or when --head (an exported ID:HASH) is not in it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            metavar="ID:HASH",
            help="a head printed by an earlier run, kept elsewhere: detects a truncated tail",
        )

    def handle(self, *args: Any, head: str | None, **_: Any) -> None:
        exported = expected_head(head) if head is not None else None
        for _attempt in range(ATTEMPTS):
            anchors = list(AuditAnchor.objects.order_by("id"))
            anchor = anchors[-1] if anchors else None
            walk = Walk()
            broken = anchors_break(anchors) or first_break(
                walk,
                previous=anchor.last_event_hash if anchor else GENESIS,
                pruned_up_to=anchor.last_event_id if anchor else 0,
            )
            newest = AuditAnchor.objects.order_by("-id").values_list("hash", flat=True).first()
            if newest == (anchor.hash if anchor else None):
                break  # else a prune committed during the check: check again
        if broken is not None:
            raise CommandError(broken)
        pruned = Head(anchor.last_event_id, anchor.last_event_hash) if anchor else None
        last = walk.last or pruned
        if exported is not None:
            check_head(exported, last, pruned)
        self.stdout.write(f"{walk.count} events, chain intact")
        if anchor is not None:
            self.stdout.write(
                f"starts after event {anchor.last_event_id} (anchor {anchor.id}: "
                f"{anchor.pruned} events older than {anchor.before.isoformat()} pruned)"
            )
        self.stdout.write(f"head {last}" if last else "head none")
        if exported is not None:
            self.stdout.write(f"head {exported} found")


def expected_head(text: str) -> Head:
    match = HEAD.fullmatch(text)
    if match is None:
        raise CommandError(
            f"--head {text!r} is not ID:HASH (an event id and its 64 lowercase hex digits, "
            "as printed by audit_verify)."
        )
    return Head(int(match["id"]), match["hash"])


def check_head(exported: Head, last: Head | None, pruned: Head | None) -> None:
    """The exported head must still be in the chain: the same event with the same hash."""
    if last is None or exported.id > last.id:
        ends = f"ends at event {last.id}" if last else "is empty"
        raise CommandError(
            f"Event {exported.id}, the exported head, is missing: the trail {ends}; "
            "its newest events were deleted."
        )
    if pruned is not None and exported.id < pruned.id:
        raise CommandError(
            f"Event {exported.id}, the exported head, was pruned (the chain starts after event "
            f"{pruned.id}): export a newer head to check the tail."
        )
    found = (
        pruned.hash
        if pruned is not None and exported.id == pruned.id
        else AuditEvent.objects.filter(id=exported.id).values_list("hash", flat=True).first()
    )
    if found is None:
        raise CommandError(f"Event {exported.id}, the exported head, is not in the trail.")
    if found != exported.hash:
        raise CommandError(
            f"Event {exported.id} does not have the exported head's hash: the trail was "
            "rewritten from that event or before it."
        )
