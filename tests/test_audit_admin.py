"""The audit trail in the admin site: listed, filtered, searched and shown to a staff user
holding `audit.view_auditevent`; never added, changed or deleted, not even by a superuser."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.admin import LimitedCountPaginator
from audit.models import AuditEvent
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/audit/auditevent/"


def write(
    client: Client, headers: dict[str, str], request_id: str, method: str, path: str, body: Any
) -> None:
    response = client.generic(
        method,
        path,
        json.dumps(body),
        content_type="application/json",
        headers={**headers, "X-Request-ID": request_id},
    )
    assert response.status_code in (200, 201), response.content


@pytest.fixture
def events(client: Client, bearer: BearerFactory) -> dict[str, AuditEvent]:
    """A user created (request req-user), a group created and renamed (req-group-*), through
    the API by one token holder."""
    headers = bearer(perms=["auth.add_user", "auth.add_group", "auth.change_group"])
    write(
        client, headers, "req-user", "POST", "/users/", {"username": "annie", "password": PASSWORD}
    )
    write(client, headers, "req-group-1", "POST", "/groups/", {"name": "ops"})
    group = AuditEvent.objects.get(action="group.created").target_id
    write(client, headers, "req-group-2", "PATCH", f"/groups/{group}/", {"name": "sre"})
    return {event.action: event for event in AuditEvent.objects.exclude(request_id="")}


@pytest.fixture
def viewer() -> User:
    user: User = UserFactory.create(is_staff=True, permissions=["audit.view_auditevent"])
    return user


SIGNED_IN = "sign_in.succeeded"  # the viewer's own sign-in is an event too


def listed(client: Client, query: str = "") -> list[str]:
    """The actions listed, less the viewer's sign-in and what the factories' saves recorded
    (directory.audit; no request)."""
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [
        event.action
        for event in response.context["cl"].result_list
        if event.action != SIGNED_IN and event.request_id
    ]


def test_a_viewer_lists_the_events_newest_first_with_their_columns(
    client: Client, viewer: User, events: dict[str, AuditEvent]
) -> None:
    client.force_login(viewer)
    assert listed(client) == ["group.updated", "group.created", "user.created"]
    newest = client.get(LIST).context["cl"].result_list[0]
    assert (newest.action, newest.actor_id) == (SIGNED_IN, viewer.pk)
    page = client.get(LIST).content.decode()
    created = events["user.created"]
    for column in ("user.created", created.actor_username, created.client_id, "req-user"):
        assert column in page
    assert f"user {created.target_id} annie" in page
    assert "127.0.0.1" in page


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("?action__exact=group.created", ["group.created"]),
        ("?target_type=user", ["user.created"]),
        ("?target_type=group", ["group.updated", "group.created"]),
        ("?target_type=token", []),
        ("?q=annie", ["user.created"]),
        ("?q=req-group-2", ["group.updated"]),
        ("?q=req-group", []),  # a request id matches whole
    ],
)
def test_a_viewer_filters_and_searches(
    client: Client, viewer: User, events: dict[str, AuditEvent], query: str, actions: list[str]
) -> None:
    client.force_login(viewer)
    assert listed(client, query) == actions


def test_a_viewer_searches_by_actor_username(
    client: Client, viewer: User, events: dict[str, AuditEvent]
) -> None:
    client.force_login(viewer)
    actor = events["user.created"].actor_username
    assert len(listed(client, f"?q={actor}")) == 3


def test_the_detail_page_shows_the_changes_readably_and_nothing_to_save(
    client: Client, viewer: User, events: dict[str, AuditEvent]
) -> None:
    client.force_login(viewer)
    renamed = events["group.updated"]
    response = client.get(f"{LIST}{renamed.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    shown = "{\n  &quot;name&quot;: [\n    &quot;ops&quot;,\n    &quot;sre&quot;\n  ]\n}"
    assert f"<pre>{shown}</pre>" in page
    assert renamed.hash in page
    assert 'name="_save"' not in page


def test_the_changelist_counts_no_more_than_its_limit_and_reads_no_distinct_values(
    client: Client, viewer: User, events: dict[str, AuditEvent]
) -> None:
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts
    assert all("LIMIT" in sql.upper() for sql in counts)
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]

    class TwoAtMost(LimitedCountPaginator):
        limit = 2

    assert TwoAtMost(AuditEvent.objects.order_by("id"), 50).count == 2


@pytest.mark.parametrize("who", ["viewer", "superuser"])
def test_nobody_adds_changes_or_deletes_an_event(
    client: Client, viewer: User, events: dict[str, AuditEvent], who: str
) -> None:
    client.force_login(viewer if who == "viewer" else SuperuserFactory.create())
    event = events["user.created"]
    page = f"{LIST}{event.pk}"
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}add/", {"action": "user.deleted"}).status_code == 403
    assert client.post(f"{page}/change/", {"target_label": "forged"}).status_code == 403
    assert client.get(f"{page}/delete/").status_code == 403
    assert client.post(f"{page}/delete/", {"post": "yes"}).status_code == 403
    client.post(LIST, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert AuditEvent.objects.get(pk=event.pk).target_label == event.target_label
    assert AuditEvent.objects.exclude(action=SIGNED_IN).exclude(request_id="").count() == 3
    assert 'name="action"' not in client.get(LIST).content.decode()  # no bulk action


@pytest.mark.parametrize("path", [LIST, f"{LIST}1/change/"])
def test_staff_without_the_permission_are_refused(client: Client, path: str) -> None:
    client.force_login(UserFactory.create(is_staff=True, permissions=["auth.view_user"]))
    assert client.get(path).status_code == 403
