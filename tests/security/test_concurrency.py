"""Real parallel requests: threads against two server processes sharing one database
(SQLite in WAL mode with IMMEDIATE transactions, or PostgreSQL)."""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from tests.factories import PASSWORD
from tests.security.live import Reply, Service, live_service

PARALLEL = 20


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with live_service(tmp_path_factory.mktemp("live")) as running:
        yield running


def all_at_once(calls: Sequence[Callable[[], Reply]]) -> list[Reply]:
    """Runs every call in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Reply]) -> Reply:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_no_server_errors(service: Service, replies: list[Reply]) -> None:
    assert all(reply.status < 500 for reply in replies), replies
    for log in service.logs:
        text = log.read_text(errors="replace")
        assert "database is locked" not in text
        assert "Traceback" not in text


def create(service: Service, n: int, body: dict[str, Any]) -> Callable[[], Reply]:
    return lambda: service.request(n, "POST", "/users/", body)


def test_simultaneous_creates_of_one_username_give_one_201_and_409s(service: Service) -> None:
    body = {"username": "racer", "password": PASSWORD, "email": "racer@example.com"}
    replies = all_at_once([create(service, n, body) for n in range(PARALLEL)])

    assert_no_server_errors(service, replies)
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [201] + [409] * (PARALLEL - 1)
    conflicts = [reply.body for reply in replies if reply.status == 409]
    assert all(
        body == {"detail": "A user with that username already exists."} for body in conflicts
    )
    listed = service.request(0, "GET", "/users/?search=racer&count=true").body
    assert listed["count"] == 1
    assert listed["items"][0]["email"] == "racer@example.com"


def test_simultaneous_creates_of_different_usernames_all_succeed(service: Service) -> None:
    replies = all_at_once(
        [
            create(service, n, {"username": f"crowd{n}", "password": PASSWORD})
            for n in range(PARALLEL)
        ]
    )
    assert_no_server_errors(service, replies)
    assert [reply.status for reply in replies] == [201] * PARALLEL
    crowd = service.request(1, "GET", "/users/?search=crowd&limit=100&count=true").body
    assert crowd["count"] == PARALLEL


def members(service: Service) -> set[int]:
    page = service.request(0, "GET", f"/groups/{service.group}/members/?limit=100").body
    return {user["id"] for user in page["items"]}


def membership(service: Service, n: int, method: str, user: int) -> Callable[[], Reply]:
    return lambda: service.request(n, method, f"/groups/{service.group}/members/{user}/")


def test_concurrent_membership_adds_and_removes_converge(service: Service) -> None:
    everyone = service.members
    adds = [membership(service, n, "PUT", everyone[n % 10]) for n in range(PARALLEL)]
    replies = all_at_once(adds)
    assert_no_server_errors(service, replies)
    assert [reply.status for reply in replies] == [204] * PARALLEL
    assert members(service) == set(everyone)

    leaving, staying = everyone[:5], everyone[5:]
    mixed = [membership(service, n, "DELETE", leaving[n % 5]) for n in range(10)] + [
        membership(service, n, "PUT", staying[n % 5]) for n in range(10, PARALLEL)
    ]
    replies = all_at_once(mixed)
    assert_no_server_errors(service, replies)
    assert [reply.status for reply in replies] == [204] * PARALLEL
    assert members(service) == set(staying)


def test_concurrent_renames_to_one_group_name_give_one_winner(service: Service) -> None:
    created = [
        service.request(0, "POST", "/groups/", {"name": f"team{n}"}).body["id"] for n in range(5)
    ]
    renames = [
        partial(service.request, n, "PUT", f"/groups/{group}/", {"name": "dream"})
        for n, group in enumerate(created)
    ]
    replies = all_at_once(renames)
    assert_no_server_errors(service, replies)
    assert sorted(reply.status for reply in replies) == [200] + [409] * 4
    assert service.request(0, "GET", "/groups/?search=dream&count=true").body["count"] == 1


def test_of_simultaneous_patches_holding_one_etag_exactly_one_succeeds(service: Service) -> None:
    """The If-Match check and the write share a transaction that locks the row (PostgreSQL)
    or holds the write lock (SQLite): the second writer sees the first's change. Each sets a
    new password too, hashed (~0.4 s) between the early check on the row read first and the
    transaction: every request passes that early check, the one in the transaction decides."""
    user = service.request(0, "POST", "/users/", {"username": "tagged", "password": PASSWORD})
    path = f"/users/{user.body['id']}/"
    held = {"If-Match": user.headers["ETag"]}
    patches = [
        partial(
            service.request,
            n,
            "PATCH",
            path,
            {"first_name": f"n{n}", "password": f"{PASSWORD}-{n}"},
            headers=held,
        )
        for n in range(PARALLEL)
    ]
    replies = all_at_once(patches)
    assert_no_server_errors(service, replies)
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [200] + [412] * (PARALLEL - 1), replies
    (winner,) = [reply for reply in replies if reply.status == 200]
    now = service.request(0, "GET", path)
    assert now.body == winner.body
    assert now.headers["ETag"] == winner.headers["ETag"] != held["If-Match"]


# Two active superusers, each with a token, and no other: the previous round's survivor goes.
TWO_SUPERUSERS = """
import json, secrets
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

User.objects.filter(is_superuser=True).delete()
app = Application.objects.get(name="live")
roots = []
for n in range(2):
    user = User.objects.create_superuser(f"root{n}-{secrets.token_hex(4)}", password=None)
    raw = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=user, application=app, token=raw, scope="read write",
        expires=timezone.now() + timedelta(hours=1),
    )
    roots.append({"id": user.pk, "token": raw})
print(json.dumps(roots))
"""


def removes_itself(service: Service, n: int, root: dict[str, Any]) -> Callable[[], Reply]:
    """Server `n`'s superuser deletes itself (even n) or deactivates itself (odd n)."""
    path = f"/users/{root['id']}/"
    if n % 2 == 0:
        return lambda: service.request(n, "DELETE", path, token=root["token"])
    return lambda: service.request(n, "PATCH", path, {"is_active": False}, token=root["token"])


@pytest.mark.parametrize("attempt", range(5))
def test_two_superusers_removing_themselves_at_once_leave_one(
    service: Service, attempt: int
) -> None:
    """The check and the change share a transaction that locks the active superusers' rows
    (PostgreSQL) or holds the write lock (SQLite): the second request sees the first's."""
    roots = service.shell(TWO_SUPERUSERS)
    replies = all_at_once([removes_itself(service, n, root) for n, root in enumerate(roots)])
    assert_no_server_errors(service, replies)
    statuses = [reply.status for reply in replies]
    assert statuses in ([204, 409], [409, 200]), replies
    refused = statuses.index(409)
    assert replies[refused].body == {
        "detail": "The last active superuser cannot be deleted or deactivated."
    }
    survivor = service.request(0, "GET", f"/users/{roots[refused]['id']}/")
    assert (survivor.status, survivor.body["is_active"]) == (200, True)
