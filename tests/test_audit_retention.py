"""Pruning the audit trail by age keeps it verifiable: an anchor records the last pruned event,
the oldest remaining one must follow it, and tampering after a prune is still named."""

import threading
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.chain import event_hash
from audit.models import AuditAnchor, AuditEvent
from audit.services import chain_head, event_record
from tests.helpers import manage

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = timedelta(days=1)


def recorded_at(*moments: datetime) -> list[AuditEvent]:
    """Events at `moments`, chained to the head as audit.services chains them."""
    previous = chain_head()
    events = []
    for n, at in enumerate(moments):
        event = AuditEvent(
            at=at,
            action="group.created",
            target_type="group",
            target_id=str(n),
            target_label=f"g{n}",
            previous_hash=previous,
        )
        event.hash = previous = event_hash(event)
        event.save()
        events.append(event)
    return events


def prune(before: str, *options: str) -> str:
    out = StringIO()
    call_command("audit_prune", "--before", before, *options, stdout=out)
    return out.getvalue().strip()


def verify(*options: str) -> list[str]:
    out = StringIO()
    call_command("audit_verify", *options, stdout=out)
    return out.getvalue().splitlines()


def cutoff(days_ago: int) -> str:
    return (NOW - days_ago * DAY).isoformat()


def remaining() -> list[int]:
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def pruned_and_kept() -> tuple[list[AuditEvent], list[AuditEvent]]:
    """Three events older than five days, pruned; three newer ones, kept."""
    events = recorded_at(NOW - 30 * DAY, NOW - 20 * DAY, NOW - 10 * DAY, *[NOW - DAY] * 3)
    prune(cutoff(5))
    return events[:3], events[3:]


def test_a_prune_deletes_the_older_events_and_the_chain_still_verifies() -> None:
    pruned, kept = pruned_and_kept()
    assert remaining() == [event.id for event in kept]
    anchor = AuditAnchor.objects.get()
    assert (anchor.last_event_id, anchor.last_event_hash) == (pruned[-1].id, pruned[-1].hash)
    assert anchor.pruned == 3
    assert anchor.before == NOW - 5 * DAY
    assert verify() == [
        "3 events, chain intact",
        f"starts after event {pruned[-1].id} (anchor {anchor.id}: 3 events older than "
        f"{anchor.before.isoformat()} pruned)",
        f"head {kept[-1].id}:{kept[-1].hash}",
    ]


def test_the_prune_reports_what_it_deleted() -> None:
    events = recorded_at(NOW - 10 * DAY, NOW - 9 * DAY, NOW)
    assert (
        prune("2000-01-01") == "No event is older than 2000-01-01T00:00:00+00:00: nothing to prune."
    )
    assert prune(cutoff(5)) == (
        f"Pruned 2 events older than {cutoff(5)} in 1 batches; "
        f"the chain now starts after event {events[1].id}:{events[1].hash}."
    )


def test_pruning_again_with_the_same_date_changes_nothing() -> None:
    pruned_and_kept()
    before = remaining()
    assert prune(cutoff(5)).startswith("No event is older than")
    assert remaining() == before
    assert AuditAnchor.objects.count() == 1


def test_every_event_pruned_the_next_one_follows_the_anchor() -> None:
    recorded_at(NOW - 2 * DAY, NOW - DAY)
    prune(timezone.now().isoformat())
    assert remaining() == []
    assert verify()[0] == "0 events, chain intact"
    with transaction.atomic():
        event = event_record(
            action="group.created", target_type="group", target_id=9, target_label="g"
        )
    assert event.previous_hash == AuditAnchor.objects.get().last_event_hash
    assert verify()[0] == "1 events, chain intact"


def test_a_second_prune_chains_a_second_anchor() -> None:
    _, kept = pruned_and_kept()
    prune(timezone.now().isoformat())
    first, second = AuditAnchor.objects.order_by("id")
    assert second.previous_hash == first.hash
    assert second.last_event_id == kept[-1].id
    assert verify()[0] == "0 events, chain intact"


def test_the_prune_stops_at_the_first_newer_event_even_if_an_older_one_follows() -> None:
    # A clock stepped back: pruning past the newer event would cut the chain.
    events = recorded_at(NOW - 10 * DAY, NOW - DAY, NOW - 10 * DAY)
    prune(cutoff(5))
    assert remaining() == [events[1].id, events[2].id]
    assert verify()[0] == "2 events, chain intact"


def test_a_dry_run_deletes_nothing() -> None:
    events = recorded_at(NOW - 10 * DAY, NOW - 9 * DAY, NOW)
    assert prune(cutoff(5), "--dry-run") == (
        f"Dry run: 2 events older than {cutoff(5)} would be pruned, up to event {events[1].id}; "
        "nothing deleted."
    )
    assert remaining() == [event.id for event in events]
    assert not AuditAnchor.objects.exists()


def test_a_prune_deletes_in_batches_of_its_batch_size() -> None:
    events = recorded_at(*[NOW - 10 * DAY] * 7, NOW)
    with CaptureQueriesContext(connection) as queries:
        output = prune(cutoff(5), "--batch-size", "3")
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3
    assert "in 3 batches" in output
    anchor = AuditAnchor.objects.get()
    assert (anchor.pruned, anchor.last_event_id) == (7, events[6].id)
    assert remaining() == [events[7].id]
    assert verify()[0] == "1 events, chain intact"


NONSENSE = "is not an ISO 8601 date or datetime"
FUTURE = "events from the future are not old"


@pytest.mark.parametrize(
    ("before", "message"),
    [
        pytest.param("yesterday", NONSENSE, id="words"),
        pytest.param("2026-13-01", NONSENSE, id="month-13"),
        pytest.param("2026-02-30T00:00:00Z", NONSENSE, id="february-30"),
        pytest.param("", NONSENSE, id="empty"),
        pytest.param((NOW + DAY).date().isoformat(), FUTURE, id="tomorrow"),
        # NOW is taken at collection, which a loaded machine's run can pass by minutes.
        pytest.param((NOW + timedelta(hours=1)).isoformat(), FUTURE, id="in-an-hour"),
    ],
)
def test_a_nonsense_or_future_date_is_refused(before: str, message: str) -> None:
    events = recorded_at(NOW - 10 * DAY)
    with pytest.raises(CommandError, match=message):
        prune(before)
    assert remaining() == [events[0].id]


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(CommandError, match="positive number"):
        prune(cutoff(5), "--batch-size", "0")


def test_a_refused_date_exits_non_zero_with_the_reason() -> None:
    done = manage("audit_prune", "--before", "last tuesday", DJANGO_SECRET_KEY="k" * 50)
    assert done.returncode == 1
    assert "'last tuesday' is not an ISO 8601 date or datetime" in done.stderr


def test_a_datetime_with_an_offset_is_converted_to_utc() -> None:
    events = recorded_at(NOW - 10 * DAY, NOW - 2 * DAY)
    # 5 days ago at +05:00 is the same instant as in UTC.
    local = (NOW - 5 * DAY).astimezone(timezone.get_fixed_timezone(300)).isoformat()
    prune(local)
    assert remaining() == [events[1].id]
    assert AuditAnchor.objects.get().before == NOW - 5 * DAY
    assert verify()[0] == "1 events, chain intact"


def test_verify_names_an_event_changed_after_a_prune() -> None:
    _, kept = pruned_and_kept()
    AuditEvent.objects.filter(pk=kept[1].pk).update(target_label="someone else")
    with pytest.raises(CommandError, match=f"Event {kept[1].pk} was changed"):
        verify()


def test_verify_names_the_event_after_a_deleted_first_remaining_one() -> None:
    _, kept = pruned_and_kept()
    AuditEvent.objects.filter(pk=kept[0].pk).delete()
    with pytest.raises(CommandError, match=f"Event {kept[1].pk} does not follow"):
        verify()


def test_verify_names_a_forged_first_event_inserted_out_of_place() -> None:
    pruned, kept = pruned_and_kept()
    # Chained to the anchor as the first remaining event is, but appended after the head.
    forged = AuditEvent(
        at=kept[0].at,
        action="user.deleted",
        target_type="user",
        target_id="1",
        target_label="root",
        previous_hash=pruned[-1].hash,
    )
    forged.hash = event_hash(forged)
    forged.save()
    with pytest.raises(CommandError, match=f"Event {forged.pk} does not follow"):
        verify()


def test_verify_names_a_pruned_event_put_back() -> None:
    pruned, _ = pruned_and_kept()
    pruned[1].save(force_insert=True)  # the same row, id and hash as before the prune
    with pytest.raises(CommandError, match=f"Event {pruned[1].pk} does not follow"):
        verify()


def test_verify_names_the_first_event_when_the_anchor_is_deleted() -> None:
    _, kept = pruned_and_kept()
    AuditAnchor.objects.all().delete()
    with pytest.raises(CommandError, match=f"Event {kept[0].pk} does not follow"):
        verify()


@pytest.mark.parametrize(
    "edit", [{"last_event_hash": "f" * 64}, {"pruned": 1}, {"before": NOW - 50 * DAY}]
)
def test_verify_names_an_edited_anchor(edit: dict[str, object]) -> None:
    pruned_and_kept()
    anchor = AuditAnchor.objects.get()
    AuditAnchor.objects.filter(pk=anchor.pk).update(**edit)
    with pytest.raises(CommandError, match=f"Anchor {anchor.pk} was changed"):
        verify()


def test_verify_names_the_anchor_after_a_deleted_one() -> None:
    pruned_and_kept()
    recorded_at(NOW)
    prune(timezone.now().isoformat())
    first, second = AuditAnchor.objects.order_by("id")
    first.delete()
    with pytest.raises(CommandError, match=f"Anchor {second.pk} does not follow"):
        verify()


def head(event: AuditEvent) -> str:
    return f"{event.id}:{event.hash}"


def test_verify_prints_the_head_and_finds_an_exported_one() -> None:
    events = recorded_at(NOW - DAY, NOW)
    assert verify()[-1] == f"head {head(events[1])}"
    assert verify("--head", head(events[0]))[-1] == f"head {head(events[0])} found"
    assert verify("--head", head(events[1]))[-1] == f"head {head(events[1])} found"


def test_a_truncated_tail_still_chains_but_the_exported_head_is_missing() -> None:
    events = recorded_at(NOW - DAY, NOW)
    exported, newest = head(events[1]), events[1].id
    events[1].delete()
    assert verify()[0] == "1 events, chain intact"  # what the chain alone cannot see
    with pytest.raises(CommandError, match=f"Event {newest}, the exported head, is missing"):
        verify("--head", exported)


def test_a_rewritten_tail_does_not_have_the_exported_heads_hash() -> None:
    events = recorded_at(NOW - DAY, NOW)
    exported = head(events[1])
    events[1].target_label = "rewritten"
    events[1].hash = event_hash(events[1])  # rehashed: the chain alone still verifies
    events[1].save()
    assert verify()[0] == "2 events, chain intact"
    with pytest.raises(CommandError, match="does not have the exported head's hash"):
        verify("--head", exported)


def test_the_head_survives_a_prune_of_every_event() -> None:
    events = recorded_at(NOW - DAY)
    prune(timezone.now().isoformat())
    assert verify("--head", head(events[0]))[-1] == f"head {head(events[0])} found"


def test_an_exported_head_that_was_pruned_cannot_be_checked() -> None:
    pruned, _ = pruned_and_kept()
    with pytest.raises(CommandError, match="was pruned"):
        verify("--head", head(pruned[0]))


@pytest.mark.parametrize("exported", ["12", "x:" + "a" * 64, "0:" + "a" * 64, "3:" + "A" * 64])
def test_a_malformed_head_is_refused(exported: str) -> None:
    with pytest.raises(CommandError, match="is not ID:HASH"):
        verify("--head", exported)


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the test database is SQLite's shared in-memory cache, whose table locks fail at "
    "once instead of waiting; SQLite's lock is the IMMEDIATE transaction's",
)
@pytest.mark.django_db(transaction=True)
def test_a_prune_waits_for_an_appender_holding_the_chain() -> None:
    recorded_at(NOW - 10 * DAY)
    holding, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def appender() -> None:
        try:
            with transaction.atomic():
                event_record(
                    action="group.created", target_type="group", target_id=1, target_label="g"
                )
                holding.set()
                release.wait(10)
        except BaseException as error:  # reported by the test's thread
            failures.append(error)
        finally:
            connection.close()

    def pruner() -> None:
        try:
            prune(cutoff(5))
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    appending = threading.Thread(target=appender)
    appending.start()
    assert holding.wait(10)
    pruning = threading.Thread(target=pruner)
    pruning.start()
    pruning.join(0.5)
    waited = pruning.is_alive()
    release.set()
    appending.join(10)
    pruning.join(10)
    assert failures == []
    assert waited
    assert len(remaining()) == 1
    assert verify()[0] == "1 events, chain intact"
