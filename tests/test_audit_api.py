"""Reading the audit trail over HTTP: GET /audit/events/ and GET /audit/events/{id}/."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import event_record
from tests.conftest import BearerFactory
from tests.factories import SuperuserFactory, UserFactory
from tests.helpers import parse_challenge

pytestmark = pytest.mark.django_db

VIEW = ["audit.view_auditevent"]
SCOPE = "read audit"


def record(n: int = 1, *, target_id: object = 1, action: str = "user.updated") -> list[int]:
    ids = []
    for _ in range(n):
        with transaction.atomic():
            event = event_record(
                action=action, target_type="user", target_id=target_id, target_label="bob"
            )
        ids.append(event.pk)
    return ids


def reader(bearer: BearerFactory) -> dict[str, str]:
    return bearer(perms=VIEW, scope=SCOPE)


def forget_setup() -> None:
    """Empty the trail of what the factories' saves recorded (directory.audit), so that a test
    reads only its own events; the next event chains from GENESIS again."""
    AuditEvent.objects.all().delete()


@pytest.fixture
def auditor(bearer: BearerFactory) -> dict[str, str]:
    """A reader's headers, made before the test's events."""
    headers = reader(bearer)
    forget_setup()
    return headers


def page(client: Client, url: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_an_event_shows_who_did_what_with_which_client_and_scopes(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    admin = bearer(user=SuperuserFactory.create(username="root"), scope="read write groups")
    bob = UserFactory.create(username="bob", first_name="Bob")
    forget_setup()
    client.patch(
        f"/users/{bob.pk}/",
        '{"first_name": "Robert"}',
        content_type="application/json",
        headers={**admin, "X-Request-ID": "req-1"},
    )
    (event,) = page(client, "/audit/events/", auditor)["items"]
    stored = AuditEvent.objects.get()
    assert event == {
        "id": stored.pk,
        "at": stored.at.isoformat().replace("+00:00", "Z"),
        "action": "user.updated",
        "actor": {"id": stored.actor_id, "username": "root"},
        "client_id": stored.client_id,
        "scopes": ["read", "write", "groups"],
        "ip": "127.0.0.1",
        "request_id": "req-1",
        "target": {"type": "user", "id": str(bob.pk), "label": "bob"},
        "changes": {"first_name": ["Bob", "Robert"]},
        "hash": stored.hash,
    }
    assert stored.client_id
    assert client.get(f"/audit/events/{stored.pk}/", headers=auditor).json() == event


def test_an_event_without_actor_client_or_request_shows_nulls(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    (event_id,) = record()
    event = client.get(f"/audit/events/{event_id}/", headers=auditor).json()
    assert (event["actor"], event["client_id"], event["ip"], event["request_id"]) == (
        None,
        None,
        None,
        None,
    )
    assert event["scopes"] == []
    assert "previous_hash" not in event


def test_events_come_newest_first(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    ids = record(3)
    items = page(client, "/audit/events/", auditor)["items"]
    assert [item["id"] for item in items] == ids[::-1]


def test_filters_select_by_actor_target_action_and_time(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    actor = UserFactory.create()
    forget_setup()
    old, alice_deleted, bob_updated = record(), record(action="user.deleted"), record(target_id=7)
    AuditEvent.objects.filter(pk__in=old).update(at=timezone.now() - timedelta(days=2))
    AuditEvent.objects.filter(pk__in=bob_updated).update(actor_id=actor.pk)
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    headers = auditor

    def ids(query: str) -> list[int]:
        return [item["id"] for item in page(client, f"/audit/events/?{query}", headers)["items"]]

    assert ids("action=user.deleted") == alice_deleted
    assert ids("target_type=user&target_id=7") == bob_updated
    assert ids("target_type=group") == []
    assert ids(f"actor={actor.pk}") == bob_updated
    assert ids(f"since={yesterday.replace('+', '%2B')}") == bob_updated + alice_deleted
    assert ids(f"until={yesterday.replace('+', '%2B')}") == old


def test_a_keyset_walk_skips_and_repeats_nothing_while_events_are_recorded(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    existing = record(7, target_id=1)
    record(2, target_id=2)  # filtered out
    headers = auditor
    seen: list[int] = []
    url: str | None = "/audit/events/?target_id=1&limit=3"
    while url is not None:
        body = page(client, url, headers)
        seen += [item["id"] for item in body["items"]]
        record(2, target_id=1)  # newer than the walk's start: not on later pages
        url = body["next"]
        if url is not None:
            assert url.startswith("/audit/events/?")
            assert parse_qs(urlsplit(url).query)["target_id"] == ["1"]
            assert parse_qs(urlsplit(url).query)["limit"] == ["3"]
    assert seen == existing[::-1]


def test_events_recorded_in_one_write_share_their_time_and_page_by_id(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    ids = record(5)
    AuditEvent.objects.update(at=timezone.now())
    first = page(client, "/audit/events/?limit=2", auditor)
    second = page(client, first["next"], auditor)
    third = page(client, second["next"], auditor)
    walked = [item["id"] for body in (first, second, third) for item in body["items"]]
    assert walked == ids[::-1]
    assert third["next"] is None


def test_the_last_page_has_no_next(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    record(2)
    assert page(client, "/audit/events/?limit=2", auditor)["next"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nonsense",
        "1.0",
        "1.-5",
        "-1.5",
        "1.5.6",
        "1",
        ".5",
        "1.99999999999999999999",
        "\u0661.\u0662",
    ],
)
def test_a_malformed_cursor_is_a_422(
    client: Client, bearer: BearerFactory, auditor: dict[str, str], cursor: str
) -> None:
    response = client.get("/audit/events/", {"cursor": cursor}, headers=auditor)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-01-01T00:00:00"}, "until"),  # no offset: which UTC time?
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"action": "user.renamed"}, "action"),
        ({"actor": "0"}, "actor"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(
    client: Client,
    bearer: BearerFactory,
    auditor: dict[str, str],
    query: dict[str, str],
    field: str,
) -> None:
    response = client.get("/audit/events/", query, headers=auditor)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


@pytest.mark.parametrize("path", ["/audit/events/", "/audit/events/{id}/"])
def test_without_the_permission_it_is_a_403(
    client: Client, bearer: BearerFactory, path: str
) -> None:
    (event_id,) = record()
    response = client.get(path.format(id=event_id), headers=bearer(scope=SCOPE))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize("path", ["/audit/events/", "/audit/events/{id}/"])
def test_without_the_audit_scope_it_is_a_403_insufficient_scope(
    client: Client, bearer: BearerFactory, path: str
) -> None:
    (event_id,) = record()
    response = client.get(
        path.format(id=event_id), headers=bearer(perms=VIEW, scope="read write groups")
    )
    assert response.status_code == 403
    _, params = parse_challenge(response["WWW-Authenticate"])
    assert (params["error"], params["scope"]) == ("insufficient_scope", "audit read")


def test_an_unknown_event_is_a_404(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    (event_id,) = record()
    response = client.get(f"/audit/events/{event_id + 1}/", headers=auditor)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/audit/events/", "/audit/events/{id}/"])
def test_no_method_changes_or_deletes_an_event(
    client: Client, bearer: BearerFactory, auditor: dict[str, str], method: str, path: str
) -> None:
    (event_id,) = record()
    before = AuditEvent.objects.values().get()
    response = client.generic(method, path.format(id=event_id), headers=auditor)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert AuditEvent.objects.values().get() == before


def test_an_unchanged_page_is_a_304_and_a_new_event_changes_it(
    client: Client, bearer: BearerFactory, auditor: dict[str, str]
) -> None:
    record()
    headers = auditor
    tag = client.get("/audit/events/", headers=headers)["ETag"]
    assert client.get("/audit/events/", headers={**headers, "If-None-Match": tag}).status_code == (
        304
    )
    record()
    assert client.get("/audit/events/", headers={**headers, "If-None-Match": tag}).status_code == (
        200
    )
