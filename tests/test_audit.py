"""The audit trail of the API's writes: one event per change, in the change's transaction,
naming who made it with which client and scopes, from where, in which request."""

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import QuerySet
from django.test import Client
from oauth2_provider.models import AccessToken

from audit.chain import GENESIS, event_hash
from audit.models import AuditEvent
from audit.services import event_record
from identity.selectors import access_token_get
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

REQUEST_ID = "req-audit-1"
IP = "203.0.113.7"


def acting(bearer: BearerFactory, *perms: str) -> tuple[dict[str, str], AccessToken]:
    headers = bearer(perms=list(perms), scope="read write groups")
    token = access_token_get(token=headers["Authorization"].removeprefix("Bearer "))
    assert token is not None
    return {**headers, "X-Request-ID": REQUEST_ID}, token


def send(client: Client, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return client.generic(
        method,
        path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=IP,
    )


def requested() -> QuerySet[AuditEvent]:
    """The events of the tested requests; the factories' saves record theirs (no request)."""
    return AuditEvent.objects.filter(request_id=REQUEST_ID).order_by("id")


def recorded() -> list[dict[str, Any]]:
    fields = ("action", "target_type", "target_id", "target_label", "changes")
    return [dict(row) for row in requested().values(*fields)]


def assert_made_by(token: AccessToken) -> None:
    assert requested().exists()
    for event in requested():
        assert event.actor_id == token.user.pk
        assert event.actor_username == token.user.username
        assert event.client_id == token.application.client_id
        assert event.scopes == "read write groups"
        assert event.ip == IP
        assert event.request_id == REQUEST_ID


def test_creating_a_user_records_who_created_it_with_which_client(
    client: Client, bearer: BearerFactory
) -> None:
    headers, token = acting(bearer, "auth.add_user")
    response = send(client, "POST", "/users/", headers, {"username": "ann", "password": PASSWORD})
    assert response.status_code == 201
    assert recorded() == [
        {
            "action": "user.created",
            "target_type": "user",
            "target_id": str(response.json()["id"]),
            "target_label": "ann",
            "changes": {},
        }
    ]
    assert_made_by(token)


def test_a_patch_records_the_changed_fields_the_deactivation_and_the_password_apart(
    client: Client, bearer: BearerFactory
) -> None:
    headers, token = acting(bearer, "auth.change_user")
    bob = UserFactory.create(username="bob", first_name="Bob", last_name="Same")
    response = send(
        client,
        "PATCH",
        f"/users/{bob.pk}/",
        headers,
        {
            "first_name": "Robert",
            "last_name": "Same",
            "is_active": False,
            "password": "N3w-Pass-42!",
        },
    )
    assert response.status_code == 200, response.content
    target = {"target_type": "user", "target_id": str(bob.pk), "target_label": "bob"}
    assert recorded() == [
        {"action": "user.updated", **target, "changes": {"first_name": ["Bob", "Robert"]}},
        {"action": "user.deactivated", **target, "changes": {"is_active": [True, False]}},
        {"action": "user.password_changed", **target, "changes": {"password": "changed"}},
    ]
    assert_made_by(token)


def test_reactivating_a_user_records_an_activation(client: Client, bearer: BearerFactory) -> None:
    headers, _ = acting(bearer, "auth.change_user")
    user = UserFactory.create(is_active=False)
    assert (
        send(client, "PATCH", f"/users/{user.pk}/", headers, {"is_active": True}).status_code == 200
    )
    assert [event["action"] for event in recorded()] == ["user.activated"]


def test_a_patch_that_changes_nothing_records_nothing(
    client: Client, bearer: BearerFactory
) -> None:
    headers, _ = acting(bearer, "auth.change_user")
    user = UserFactory.create(first_name="Same")
    assert (
        send(client, "PATCH", f"/users/{user.pk}/", headers, {"first_name": "Same"}).status_code
        == 200
    )
    assert recorded() == []


def test_deleting_a_user_records_its_id_and_name(client: Client, bearer: BearerFactory) -> None:
    headers, token = acting(bearer, "auth.delete_user")
    user = UserFactory.create(username="gone")
    assert send(client, "DELETE", f"/users/{user.pk}/", headers).status_code == 204
    assert recorded() == [
        {
            "action": "user.deleted",
            "target_type": "user",
            "target_id": str(user.pk),
            "target_label": "gone",
            "changes": {},
        }
    ]
    assert_made_by(token)


def test_group_writes_record_creation_rename_and_deletion(
    client: Client, bearer: BearerFactory
) -> None:
    headers, token = acting(bearer, "auth.add_group", "auth.change_group", "auth.delete_group")
    created = send(client, "POST", "/groups/", headers, {"name": "ops"})
    group = str(created.json()["id"])
    assert send(client, "PATCH", f"/groups/{group}/", headers, {"name": "sre"}).status_code == 200
    assert send(client, "DELETE", f"/groups/{group}/", headers).status_code == 204
    target = {"target_type": "group", "target_id": group}
    assert recorded() == [
        {"action": "group.created", **target, "target_label": "ops", "changes": {}},
        {
            "action": "group.updated",
            **target,
            "target_label": "sre",
            "changes": {"name": ["ops", "sre"]},
        },
        {"action": "group.deleted", **target, "target_label": "sre", "changes": {}},
    ]
    assert_made_by(token)


def test_membership_changes_are_recorded_once_not_when_nothing_changes(
    client: Client, bearer: BearerFactory
) -> None:
    headers, token = acting(bearer, "auth.change_user")
    group, user = GroupFactory.create(name="crew"), UserFactory.create()
    path = f"/groups/{group.pk}/members/{user.pk}/"
    for method in ("PUT", "PUT", "DELETE", "DELETE"):
        assert send(client, method, path, headers).status_code == 204
    target = {"target_type": "group", "target_id": str(group.pk), "target_label": "crew"}
    assert recorded() == [
        {"action": "group.member_added", **target, "changes": {"member": [None, user.pk]}},
        {"action": "group.member_removed", **target, "changes": {"member": [user.pk, None]}},
    ]
    assert_made_by(token)


def test_refused_and_failed_writes_record_nothing(client: Client, bearer: BearerFactory) -> None:
    headers, _ = acting(bearer, "auth.add_user", "auth.change_user", "auth.add_group")
    taken = UserFactory.create(username="taken")
    GroupFactory.create(name="dup")
    root = SuperuserFactory.create()
    failures = [
        ("POST", "/users/", {"username": "taken", "password": PASSWORD}, 409),
        ("POST", "/groups/", {"name": "dup"}, 409),
        ("POST", "/users/", {"username": "weak", "password": "1"}, 422),
        ("PATCH", f"/users/{root.pk}/", {"first_name": "x"}, 403),
        ("DELETE", f"/users/{taken.pk}/", None, 403),
    ]
    for method, path, body, status in failures:
        assert send(client, method, path, headers, body).status_code == status, (method, path)
    stale = {**headers, "If-Match": '"stale"'}
    patch = send(client, "PATCH", f"/users/{taken.pk}/", stale, {"first_name": "x"})
    assert patch.status_code == 412
    assert recorded() == []


def test_the_last_superuser_kept_active_rolls_its_event_back(
    client: Client, bearer: BearerFactory
) -> None:
    root = SuperuserFactory.create()
    headers = {**bearer(user=root), "X-Request-ID": REQUEST_ID}
    response = send(
        client, "PATCH", f"/users/{root.pk}/", headers, {"first_name": "x", "is_active": False}
    )
    assert response.status_code == 409
    assert recorded() == []


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        event_record(action="group.created", target_type="group", target_id=1, target_label="g")


def chain(size: int) -> list[AuditEvent]:
    with transaction.atomic():
        for n in range(size):
            event_record(
                action="group.created", target_type="group", target_id=n, target_label=f"g{n}"
            )
    return list(AuditEvent.objects.order_by("id"))


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().splitlines()[0]  # then the head


def test_an_intact_chain_verifies() -> None:
    events = chain(3)
    assert events[0].previous_hash == GENESIS
    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert verify() == "3 events, chain intact"


def test_an_empty_trail_verifies() -> None:
    assert verify() == "0 events, chain intact"


def test_verify_names_an_event_whose_changes_were_edited() -> None:
    events = chain(4)
    AuditEvent.objects.filter(pk=events[2].pk).update(changes={"name": ["a", "b"]})
    with pytest.raises(CommandError, match=f"Event {events[2].pk} was changed"):
        verify()


def test_verify_names_the_event_after_a_deleted_one() -> None:
    events = chain(4)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(CommandError, match=f"Event {events[2].pk} does not follow"):
        verify()


def forged_after(previous: AuditEvent) -> AuditEvent:
    """An event that says the root user was deleted, linked to `previous`; not yet hashed."""
    return AuditEvent(
        at=previous.at,
        action="user.deleted",
        target_type="user",
        target_id="1",
        target_label="root",
        previous_hash=previous.hash,
    )


def test_verify_names_a_forged_event_inserted_out_of_place() -> None:
    events = chain(3)
    # Hashed as the real ones are, but chained to an event that is not the head.
    forged = forged_after(events[1])
    forged.hash = event_hash(forged)
    forged.save()
    with pytest.raises(CommandError, match=f"Event {forged.pk} does not follow"):
        verify()


def test_a_forged_hash_is_named() -> None:
    events = chain(2)
    forged = forged_after(events[1])
    forged.hash = "f" * 64
    forged.save()
    with pytest.raises(CommandError, match=f"Event {forged.pk} was changed"):
        verify()
