"""Each endpoint's query count is fixed: it does not grow with the page or the directory."""

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from audit.services import event_record
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, SuperuserFactory, UserFactory
from tests.routes import ROUTES

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"

PROFILE = "username=u&email=u@x.io&first_name=f&last_name=l"

# What a write's audit events cost (audit.services), however many it records: the chain's
# lock (PostgreSQL only), the read of its head, one insert. Reads cost nothing.
AUDIT = 3 if connection.vendor == "postgresql" else 2

# (method, path, body, expected status, queries). The token's user is a superuser, so the
# permission checks cost no query; for other users ModelBackend adds two per request.
CASES = [
    # Lists: token+user, the page (with each user's group ids); the total only when asked.
    # A `next` page (its cursor: the id of the last item before it) costs the same.
    ("get", "/users/", "", 200, 2),
    ("get", "/users/?count=true", "", 200, 3),
    ("get", "/users/?cursor={user}", "", 200, 2),
    ("get", "/users/?cursor={user}&count=true", "", 200, 3),
    ("get", "/users/?offset=1", "", 200, 2),
    ("get", "/users/?search=user", "", 200, 2),
    ("get", "/users/?search=user&cursor={user}", "", 200, 2),
    ("get", "/users/?search=user&count=true", "", 200, 3),
    ("get", "/users/me/", "", 200, 2),  # token+user, user with its group ids
    ("put", "/users/me/", f"{PROFILE}&is_active=true", 200, 5 + AUDIT),
    ("patch", "/users/me/", "first_name=changed", 200, 5 + AUDIT),
    ("get", "/users/{user}/", "", 200, 2),
    ("post", "/users/", f"username=fresh&password={PASSWORD}", 201, 5 + AUDIT),
    ("put", "/users/{user}/", f"{PROFILE}&is_active=true", 200, 5 + AUDIT),
    ("patch", "/users/{user}/", "first_name=changed", 200, 5 + AUDIT),
    # Cascades to DOT's tables and the SCIM externalId; one query locks and counts the
    # active superusers (the last one is never deleted).
    ("delete", "/users/{user}/", "", 204, 16 + AUDIT),
    ("get", "/groups/", "", 200, 2),
    ("get", "/groups/?count=true", "", 200, 3),
    ("get", "/groups/?cursor={group}", "", 200, 2),
    ("get", "/groups/{group}/", "", 200, 2),
    ("post", "/groups/", "name=fresh", 201, 4 + AUDIT),
    ("put", "/groups/{group}/", "name=renamed", 200, 5 + AUDIT),
    ("patch", "/groups/{group}/", "name=renamed", 200, 5 + AUDIT),
    ("delete", "/groups/{group}/", "", 204, 8 + AUDIT),  # and its SCIM externalId
    ("get", "/groups/{group}/members/", "", 200, 3),  # and the group, found first
    ("get", "/groups/{group}/members/?count=true", "", 200, 4),
    ("get", "/groups/{group}/members/?cursor={user}", "", 200, 3),
    # The user is a member already: nothing changes, nothing is recorded.
    ("put", "/groups/{group}/members/{user}/", "", 204, 6),
    ("delete", "/groups/{group}/members/{user}/", "", 204, 6 + AUDIT),
]


# The same writes by an ordinary user holding just the route's permission (tests/routes.py):
# ModelBackend loads the user's and its groups' permissions, two queries more, once a request.
AS_PERMITTED_USER = [
    ("post", "/users/", f"username=fresh&password={PASSWORD}", 201, 7 + AUDIT),
    ("patch", "/users/{user}/", "first_name=changed", 200, 7 + AUDIT),
    ("delete", "/users/{user}/", "", 204, 18 + AUDIT),
    ("post", "/groups/", "name=fresh", 201, 6 + AUDIT),
    ("put", "/groups/{group}/members/{user}/", "", 204, 8),
]


def directory(size: int) -> dict[str, int]:
    """`size` groups and `size` users, each user in the first two groups: a user and a group."""
    groups = GroupFactory.create_batch(size)
    users = UserFactory.create_batch(size)
    for user in users:
        user.groups.set(groups[:2])
    return {"user": users[0].pk, "group": groups[0].pk}


def route_perms(method: str, path: str) -> list[str]:
    (route,) = [r for r in ROUTES if (r.method, r.path) == (method.upper(), path)]
    return route.perms


def superuser_token(bearer: BearerFactory, method: str, path: str) -> dict[str, str]:
    # Permission checks cost a superuser no query: these counts are the endpoint's own.
    return bearer(user=SuperuserFactory.create())


def permitted_token(bearer: BearerFactory, method: str, path: str) -> dict[str, str]:
    return bearer(perms=route_perms(method, path))


TABLE = [pytest.param(*case, superuser_token, id=f"{case[0]} {case[1]}") for case in CASES] + [
    pytest.param(*case, permitted_token, id=f"{case[0]} {case[1]} with its permission")
    for case in AS_PERMITTED_USER
]


@pytest.mark.parametrize("size", [3, 60])  # 60: more than a page
@pytest.mark.parametrize(("method", "path", "body", "status", "queries", "token"), TABLE)
def test_query_count_is_fixed_whatever_the_directory_size(
    client: Client,
    bearer: BearerFactory,
    django_assert_num_queries: DjangoAssertNumQueries,
    size: int,
    method: str,
    path: str,
    body: str,
    status: int,
    queries: int,
    token: Callable[[BearerFactory, str, str], dict[str, str]],
) -> None:
    auth = token(bearer, method, path)
    url = path.format(**directory(size))
    with django_assert_num_queries(queries):
        response = getattr(client, method)(url, body, content_type=FORM, headers=auth)
    assert response.status_code == status, response.content


# Conditional requests (the tag the client holds is the current one): a GET computes its ETag
# from the row it reads, so If-None-Match costs no query; a write with If-Match re-reads and
# locks its row inside its transaction, one query more (none for a write without If-Match).
CONDITIONAL = [
    ("get", "/users/{user}/", "If-None-Match", "", 304, 2),
    ("get", "/users/", "If-None-Match", "", 304, 2),
    ("get", "/users/?cursor={user}&count=true", "If-None-Match", "", 304, 3),
    ("get", "/groups/{group}/members/", "If-None-Match", "", 304, 3),
    ("patch", "/users/{user}/", "If-Match", "first_name=changed", 200, 6 + AUDIT),
    ("patch", "/users/me/", "If-Match", "first_name=changed", 200, 6 + AUDIT),
    ("delete", "/users/{user}/", "If-Match", "", 204, 17 + AUDIT),
    ("put", "/groups/{group}/", "If-Match", "name=renamed", 200, 6 + AUDIT),
    ("delete", "/groups/{group}/", "If-Match", "", 204, 9 + AUDIT),
]


@pytest.mark.parametrize(
    ("method", "path", "header", "body", "status", "queries"),
    CONDITIONAL,
    ids=[f"{case[0]} {case[1]} {case[2]}" for case in CONDITIONAL],
)
def test_conditional_requests_cost_a_query_only_where_a_write_locks_its_row(
    client: Client,
    bearer: BearerFactory,
    django_assert_num_queries: DjangoAssertNumQueries,
    method: str,
    path: str,
    header: str,
    body: str,
    status: int,
    queries: int,
) -> None:
    auth = superuser_token(bearer, method, path)
    url = path.format(**directory(3))
    read = url.replace("/me/", f"/{client.get('/users/me/', headers=auth).json()['id']}/")
    tag = client.get(read, headers=auth)["ETag"]
    with django_assert_num_queries(queries):
        response = getattr(client, method)(
            url, body, content_type=FORM, headers={**auth, header: tag}
        )
    assert response.status_code == status, response.content


# A page of the audit trail is one query at any depth (keyset on (at, id), no COUNT), plus the
# token's; an ordinary user with the permission adds ModelBackend's two.
@pytest.mark.parametrize(("superuser", "queries"), [(True, 2), (False, 4)])
def test_an_audit_page_costs_one_query_at_any_depth(
    client: Client,
    bearer: BearerFactory,
    django_assert_num_queries: DjangoAssertNumQueries,
    superuser: bool,
    queries: int,
) -> None:
    for _ in range(5):
        with transaction.atomic():
            event = event_record(
                action="user.updated", target_type="user", target_id=1, target_label="u"
            )
    auth = (
        bearer(user=SuperuserFactory.create(), scope="read audit")
        if superuser
        else bearer(perms=["audit.view_auditevent"], scope="read audit")
    )
    url: str | None = "/audit/events/?limit=2&action=user.updated"
    while url is not None:
        with django_assert_num_queries(queries):
            response = client.get(url, headers=auth)
        assert response.status_code == 200
        url = response.json()["next"]
    with django_assert_num_queries(queries):
        assert client.get(f"/audit/events/{event.pk}/", headers=auth).status_code == 200
