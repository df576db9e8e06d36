"""What each role may do, cell by cell: role x token scopes x every operation of the API
(OWASP API1/API3/API5). README "Security" has the same table in words."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, SuperuserFactory, UserFactory
from tests.helpers import USER_FIELDS, Response, parse_challenge
from tests.routes import HEAD_ROUTE_IDS, HEAD_ROUTES, PERMISSIONS, ROUTE_IDS, ROUTES, Route

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Strong-Passphrase-7"  # not PASSWORD, so a change shows
ROLES: dict[str, Callable[[], User]] = {
    "unprivileged": lambda: UserFactory.create(),
    "model-permissions": lambda: UserFactory.create(permissions=PERMISSIONS),
    "staff": lambda: UserFactory.create(is_staff=True),
    "superuser": lambda: SuperuserFactory.create(),
}
SCOPES = [
    "read",
    "write",
    "groups",
    "read groups",
    "write groups",
    "read write groups",
    "read audit",
]


def expected(op: Route, role: User, scope: str) -> int:
    if not op.scopes <= set(scope.split()):
        return 403
    if op.permission and not role.has_perm(op.permission):
        return 403
    return op.ok


@pytest.mark.parametrize("op", ROUTES + HEAD_ROUTES, ids=ROUTE_IDS + HEAD_ROUTE_IDS)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_scope_and_operation(
    client: Client, bearer: BearerFactory, role: str, scope: str, op: Route
) -> None:
    actor = ROLES[role]()
    response = op.call(client, bearer(scope=scope, user=actor))
    status = expected(op, actor, scope)
    assert response.status_code == status, response.content
    if status == 403:
        if op.method != "HEAD":
            assert response.json() == {
                "detail": "You do not have permission to perform this action."
            }
        scope_missing = not op.scopes <= set(scope.split())
        # Only a scope failure carries an RFC 6750 challenge.
        assert ("WWW-Authenticate" in response) == scope_missing
        if scope_missing:
            assert parse_challenge(response["WWW-Authenticate"])[1]["error"] == (
                "insufficient_scope"
            )


NAMING = [route for route in ROUTES if "{" in route.path]


@pytest.mark.parametrize("op", NAMING, ids=[route.id for route in NAMING])
def test_a_path_naming_nothing_is_404_before_any_permission_check(
    client: Client, bearer: BearerFactory, op: Route
) -> None:
    """The user or group the path names is looked up before what the token's user may do to
    it (README "Failures"): an unprivileged user's write to a missing id is 404, as a read."""
    response = op.call(client, bearer(scope=" ".join(op.scopes)), naming_nothing=True)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_staff_status_alone_grants_nothing_in_the_api(
    client: Client, bearer: BearerFactory
) -> None:
    staff = UserFactory.create(is_staff=True)
    response = client.post(
        "/users/",
        json.dumps({"username": "x", "password": PASSWORD}),
        content_type="application/json",
        headers=bearer(user=staff),
    )
    assert response.status_code == 403


ESCALATIONS = [
    {"is_superuser": True},
    {"is_staff": True},
    {"user_permissions": [1]},
    {"groups": [1]},
    {"password_hash": "md5$$x"},
    {"last_login": "2020-01-01T00:00:00Z"},
    {"date_joined": "2000-01-01T00:00:00Z"},
    {"id": 999},
]


@pytest.mark.parametrize("fields", ESCALATIONS, ids=lambda f: next(iter(f)))
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("role", list(ROLES))
def test_nobody_sets_privileges_or_internal_fields_through_the_api(
    client: Client, bearer: BearerFactory, role: str, method: str, fields: dict[str, Any]
) -> None:
    actor = ROLES[role]()
    before = User.objects.values().get(pk=actor.pk)
    body = {
        "username": actor.username,
        "email": "",
        "first_name": "",
        "last_name": "",
        "is_active": True,
    }
    response = client.generic(
        method,
        f"/users/{actor.pk}/",
        json.dumps({**body, **fields}),
        content_type="application/json",
        headers=bearer(user=actor),
    )
    assert response.status_code == 422
    assert User.objects.values().get(pk=actor.pk) == before
    assert not actor.user_permissions.exists() or role == "model-permissions"


def patch_user(
    client: Client, headers: dict[str, str], user: User, body: dict[str, Any]
) -> Response:
    return client.patch(
        f"/users/{user.pk}/", json.dumps(body), content_type="application/json", headers=headers
    )


def password_works(user: User, password: str) -> bool:
    user.refresh_from_db()
    return user.check_password(password)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("unprivileged", False),
        ("staff", False),
        ("model-permissions", True),
        ("superuser", True),
    ],
)
def test_only_change_user_sets_another_users_password(
    client: Client, bearer: BearerFactory, role: str, allowed: bool
) -> None:
    target = UserFactory.create()
    response = patch_user(client, bearer(user=ROLES[role]()), target, {"password": NEW_PASSWORD})
    assert response.status_code == (200 if allowed else 403)
    assert password_works(target, NEW_PASSWORD) is allowed
    assert password_works(target, PASSWORD) is not allowed


def test_a_user_changes_their_own_password_only_with_the_current_one(
    client: Client, bearer: BearerFactory
) -> None:
    user = UserFactory.create()
    headers = bearer(user=user)
    assert patch_user(client, headers, user, {"password": NEW_PASSWORD}).status_code == 422
    wrong = patch_user(
        client, headers, user, {"password": NEW_PASSWORD, "current_password": "nope"}
    )
    assert wrong.status_code == 422
    assert password_works(user, PASSWORD)
    right = {"password": NEW_PASSWORD, "current_password": PASSWORD}
    assert patch_user(client, headers, user, right).status_code == 200
    assert password_works(user, NEW_PASSWORD)


def test_a_user_edits_their_own_profile_but_not_their_active_flag(
    client: Client, bearer: BearerFactory
) -> None:
    user = UserFactory.create()
    headers = bearer(user=user)
    assert patch_user(client, headers, user, {"first_name": "Me"}).status_code == 200
    assert patch_user(client, headers, user, {"is_active": False}).status_code == 403
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize(
    "change", [{"password": NEW_PASSWORD}, {"first_name": "Owned"}, {"is_active": False}]
)
def test_change_user_does_not_reach_a_superuser(
    client: Client, bearer: BearerFactory, change: dict[str, Any]
) -> None:
    """Otherwise `auth.change_user` would be a path to superuser: reset its password, log in."""
    root = SuperuserFactory.create()
    before = User.objects.values().get(pk=root.pk)
    manager = UserFactory.create(permissions=PERMISSIONS)
    response = patch_user(client, bearer(user=manager), root, change)
    assert response.status_code == 403
    assert User.objects.values().get(pk=root.pk) == before


def test_delete_user_does_not_reach_a_superuser(client: Client, bearer: BearerFactory) -> None:
    root = SuperuserFactory.create()
    manager = UserFactory.create(permissions=PERMISSIONS)
    response = client.delete(f"/users/{root.pk}/", headers=bearer(user=manager))
    assert response.status_code == 403
    assert User.objects.filter(pk=root.pk).exists()


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_change_group_alone_cannot_change_membership(
    client: Client, bearer: BearerFactory, method: str
) -> None:
    """Joining a group grants its permissions: with only `auth.change_group` a user would
    otherwise put themselves into a group holding `auth.change_user` (or anything else)."""
    powerful = GroupFactory.create()
    powerful.permissions.set(Permission.objects.filter(codename="change_user"))
    actor = UserFactory.create(permissions=["auth.change_group"])
    member = UserFactory.create()
    powerful.user_set.add(member)
    target = actor if method == "PUT" else member
    url = f"/groups/{powerful.pk}/members/{target.pk}/"
    response = client.generic(method, url, headers=bearer(user=actor))
    assert response.status_code == 403
    assert set(powerful.user_set.all()) == {member}
    assert not User.objects.get(pk=actor.pk).has_perm("auth.change_user")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_change_user_does_not_change_a_superusers_groups(
    client: Client, bearer: BearerFactory, method: str
) -> None:
    group = GroupFactory.create()
    root = SuperuserFactory.create()
    if method == "DELETE":
        group.user_set.add(root)
    manager = UserFactory.create(permissions=PERMISSIONS)
    url = f"/groups/{group.pk}/members/{root.pk}/"
    response = client.generic(method, url, headers=bearer(user=manager))
    assert response.status_code == 403
    assert group.user_set.filter(pk=root.pk).exists() is (method == "DELETE")


def test_a_superuser_manages_other_superusers(client: Client, bearer: BearerFactory) -> None:
    root, other = SuperuserFactory.create(), SuperuserFactory.create()
    headers = bearer(user=root)
    assert patch_user(client, headers, other, {"first_name": "Ok"}).status_code == 200


def test_a_user_deactivated_through_the_api_is_locked_out_at_once(
    client: Client, bearer: BearerFactory
) -> None:
    user = UserFactory.create()
    user_headers = bearer(user=user, scope="read")
    assert client.get("/users/me/", headers=user_headers).status_code == 200
    admin_headers = bearer(perms=["auth.change_user"])
    assert patch_user(client, admin_headers, user, {"is_active": False}).status_code == 200
    response = client.get("/users/me/", headers=user_headers)
    assert response.status_code == 401
    assert parse_challenge(response["WWW-Authenticate"])[1]["error"] == "invalid_token"


def test_a_deleted_users_tokens_die_with_the_user(client: Client, bearer: BearerFactory) -> None:
    user = UserFactory.create()
    user_headers = bearer(user=user, scope="read")
    admin_headers = bearer(perms=["auth.delete_user"])
    assert client.delete(f"/users/{user.pk}/", headers=admin_headers).status_code == 204
    assert client.get("/users/me/", headers=user_headers).status_code == 401


def test_user_output_never_carries_secrets_or_privileges(
    client: Client, bearer: BearerFactory
) -> None:
    SuperuserFactory.create()
    response = client.get("/users/", headers=bearer(scope="read", user=UserFactory.create()))
    for user in response.json()["items"]:
        assert set(user) == USER_FIELDS
