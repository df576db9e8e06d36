"""ETags and conditional requests (RFC 9110 §13) on users, groups and lists: 304 on GET,
412 on a write whose If-Match is stale, nothing changed by a refused write."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from core.conditional import Preconditions, entity_tag
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

JSON = "application/json"
STALE = '"0123456789abcdef0123456789abcdef"'
PROFILE = {"username": "renamed", "email": "r@x.io", "first_name": "R", "last_name": "N"}


def send(
    client: Client, method: str, url: str, headers: dict[str, str], body: Any = None
) -> Response:
    data = "" if body is None else json.dumps(body)
    return client.generic(method, url, data, content_type=JSON, headers=headers)


def tag_of(client: Client, url: str, headers: dict[str, str]) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    etag: str = response["ETag"]
    return etag


class TestPreconditions:
    """The comparison rules themselves (RFC 9110 §13.1.1, §13.1.2, §8.8.3.2)."""

    def test_if_match_compares_strongly_so_a_weak_tag_never_matches(self) -> None:
        assert Preconditions(if_match=('"a"',)).failure('"a"') is None
        assert Preconditions(if_match=('W/"a"',)).failure('"a"') == 412
        assert Preconditions(if_match=('"b"', '"a"')).failure('"a"') is None

    def test_if_none_match_compares_weakly(self) -> None:
        assert Preconditions(if_none_match=('W/"a"',)).failure('"a"') == 304
        assert Preconditions(if_none_match=('"b"',)).failure('"a"') is None

    def test_a_star_matches_any_current_representation_and_no_absent_one(self) -> None:
        assert Preconditions(if_match=("*",)).failure('"a"') is None
        assert Preconditions(if_match=("*",)).failure(None) == 412
        assert Preconditions(if_none_match=("*",)).failure('"a"') == 304
        assert Preconditions(if_none_match=("*",)).failure(None) is None

    def test_if_match_is_evaluated_before_if_none_match(self) -> None:
        both = Preconditions(if_match=('"b"',), if_none_match=('"a"',))
        assert both.failure('"a"') == 412

    def test_an_unparsable_if_match_fails_rather_than_being_ignored(self, rf: Any) -> None:
        request = rf.get("/", headers={"If-Match": "not-quoted"})
        preconditions = Preconditions.of(request)
        assert preconditions
        assert preconditions.failure('"a"') == 412

    def test_no_headers_no_preconditions(self, rf: Any) -> None:
        assert not Preconditions.of(rf.get("/"))


class TestReads:
    @pytest.mark.parametrize("path", ["/users/{user}/", "/users/me/", "/groups/{group}/"])
    def test_a_get_answers_a_strong_etag_of_its_body(
        self, client: Client, bearer: BearerFactory, path: str
    ) -> None:
        auth = bearer()
        url = path.format(user=UserFactory.create().pk, group=GroupFactory.create().pk)
        response = client.get(url, headers=auth)
        assert response["ETag"] == entity_tag(response.content)
        assert not response["ETag"].startswith("W/")
        assert client.get(url, headers=auth)["ETag"] == response["ETag"]

    @pytest.mark.parametrize(
        "path", ["/users/", "/groups/", "/groups/{group}/members/", "/users/{user}/"]
    )
    @pytest.mark.parametrize("sent", ["{tag}", "W/{tag}", '"other", {tag}', "*"])
    def test_a_matching_if_none_match_is_a_304_without_body(
        self, client: Client, bearer: BearerFactory, path: str, sent: str
    ) -> None:
        auth, group, user = bearer(), GroupFactory.create(), UserFactory.create()
        user.groups.add(group)
        url = path.format(user=user.pk, group=group.pk)
        tag = tag_of(client, url, auth)
        response = client.get(url, headers={**auth, "If-None-Match": sent.format(tag=tag)})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == tag

    @pytest.mark.parametrize("path", ["/users/", "/users/{user}/"])
    def test_head_answers_the_etag_of_get_and_304_as_get_does(
        self, client: Client, bearer: BearerFactory, path: str
    ) -> None:
        auth, url = bearer(), path.format(user=UserFactory.create().pk)
        tag = tag_of(client, url, auth)
        head = client.head(url, headers=auth)
        assert (head.status_code, head["ETag"], head.content) == (200, tag, b"")
        assert client.head(url, headers={**auth, "If-None-Match": tag}).status_code == 304

    def test_a_stale_if_none_match_gets_the_full_answer(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        response = client.get("/users/", headers={**bearer(), "If-None-Match": STALE})
        assert response.status_code == 200
        assert len(response.json()["items"]) >= 1

    def test_a_get_with_a_stale_if_match_is_a_412(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        url = f"/users/{UserFactory.create().pk}/"
        response = client.get(url, headers={**bearer(), "If-Match": STALE})
        assert response.status_code == 412
        assert "detail" in response.json()

    def test_a_users_etag_changes_with_its_groups(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        auth, user, group = bearer(), UserFactory.create(), GroupFactory.create()
        url = f"/users/{user.pk}/"
        before = tag_of(client, url, auth)
        user.groups.add(group)
        assert tag_of(client, url, auth) != before

    def test_a_list_etag_changes_when_the_page_does(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        auth = bearer()
        before = tag_of(client, "/groups/", auth)
        GroupFactory.create()
        assert tag_of(client, "/groups/", auth) != before

    def test_a_user_and_its_list_answer_different_tags(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        auth = bearer()
        me = client.get("/users/me/", headers=auth)
        assert me["ETag"] != tag_of(client, "/users/", auth)
        assert tag_of(client, f"/users/{me.json()['id']}/", auth) == me["ETag"]


# (method, path, body, permission, status): each write of one user or group.
WRITES = [
    ("PATCH", "/users/{user}/", {"first_name": "Changed"}, "auth.change_user", 200),
    ("PUT", "/users/{user}/", {**PROFILE, "is_active": True}, "auth.change_user", 200),
    ("DELETE", "/users/{user}/", None, "auth.delete_user", 204),
    ("PATCH", "/groups/{group}/", {"name": "changed"}, "auth.change_group", 200),
    ("PUT", "/groups/{group}/", {"name": "changed"}, "auth.change_group", 200),
    ("DELETE", "/groups/{group}/", None, "auth.delete_group", 204),
]
WRITE_IDS = [f"{method} {path}" for method, path, *_ in WRITES]


def snapshot(user: User, group: Group) -> tuple[Any, ...]:
    users = User.objects.filter(pk=user.pk).values_list("username", "first_name")
    groups = Group.objects.filter(pk=group.pk).values_list("name")
    return tuple(users), tuple(groups)


class TestWrites:
    @pytest.mark.parametrize(("method", "path", "body", "perm", "status"), WRITES, ids=WRITE_IDS)
    def test_a_stale_if_match_is_a_412_that_changes_nothing(
        self,
        client: Client,
        bearer: BearerFactory,
        method: str,
        path: str,
        body: Any,
        perm: str,
        status: int,
    ) -> None:
        user, group = UserFactory.create(), GroupFactory.create()
        url = path.format(user=user.pk, group=group.pk)
        before = snapshot(user, group)
        response = send(client, method, url, {**bearer(perms=[perm]), "If-Match": STALE}, body)
        assert response.status_code == 412
        assert response.json() == {
            "detail": "The resource has changed since you read it (If-Match no longer matches "
            "its ETag): read it again."
        }
        assert snapshot(user, group) == before

    @pytest.mark.parametrize(("method", "path", "body", "perm", "status"), WRITES, ids=WRITE_IDS)
    @pytest.mark.parametrize("current", ["{tag}", "*", '"other", {tag}'])
    def test_a_current_if_match_lets_the_write_through(
        self,
        client: Client,
        bearer: BearerFactory,
        method: str,
        path: str,
        body: Any,
        perm: str,
        status: int,
        current: str,
    ) -> None:
        auth = bearer(perms=[perm])
        url = path.format(user=UserFactory.create().pk, group=GroupFactory.create().pk)
        if_match = current.format(tag=tag_of(client, url, auth))
        response = send(client, method, url, {**auth, "If-Match": if_match}, body)
        assert response.status_code == status, response.content
        if status == 200:
            assert response["ETag"] == tag_of(client, url, auth)
        else:
            assert "ETag" not in response
            assert client.get(url, headers=auth).status_code == 404

    @pytest.mark.parametrize(("method", "path", "body", "perm", "status"), WRITES, ids=WRITE_IDS)
    def test_of_two_writes_holding_one_tag_the_second_is_a_412(
        self,
        client: Client,
        bearer: BearerFactory,
        method: str,
        path: str,
        body: Any,
        perm: str,
        status: int,
    ) -> None:
        auth = bearer(perms=[perm, "auth.change_user", "auth.change_group"])
        url = path.format(user=UserFactory.create().pk, group=GroupFactory.create().pk)
        conditional = {**auth, "If-Match": tag_of(client, url, auth)}
        change = {"first_name" if "users" in url else "name": "first"}
        first = send(client, "PATCH", url, conditional, change)
        assert first.status_code == 200
        assert send(client, method, url, conditional, body).status_code == 412

    def test_a_write_without_if_match_answers_the_new_etag(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        auth = bearer(perms=["auth.change_user"])
        url = f"/users/{UserFactory.create().pk}/"
        response = send(client, "PATCH", url, auth, {"last_name": "New"})
        assert response.status_code == 200
        assert response["ETag"] == entity_tag(response.content) == tag_of(client, url, auth)

    @pytest.mark.parametrize(
        ("path", "body"),
        [("/users/", {"username": "fresh", "password": PASSWORD}), ("/groups/", {"name": "fresh"})],
    )
    def test_a_create_answers_the_etag_a_get_answers(
        self, client: Client, bearer: BearerFactory, path: str, body: dict[str, str]
    ) -> None:
        auth = bearer(perms=["auth.add_user", "auth.add_group"])
        response = send(client, "POST", path, auth, body)
        assert response.status_code == 201
        assert response["ETag"] == tag_of(client, f"{path}{response.json()['id']}/", auth)

    def test_a_no_op_patch_with_a_stale_tag_is_a_412_too(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        user = UserFactory.create()
        auth = {**bearer(perms=["auth.change_user"]), "If-Match": STALE}
        response = send(client, "PATCH", f"/users/{user.pk}/", auth, {})
        assert response.status_code == 412

    def test_if_none_match_star_on_a_write_is_a_412(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        group = GroupFactory.create()
        auth = {**bearer(perms=["auth.change_group"]), "If-None-Match": "*"}
        response = send(client, "PUT", f"/groups/{group.pk}/", auth, {"name": "nope"})
        assert response.status_code == 412
        assert response.json() == {"detail": "If-None-Match matches the resource's current ETag."}
        group.refresh_from_db()
        assert group.name != "nope"

    def test_a_membership_change_makes_the_users_tag_stale(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        auth = bearer(perms=["auth.change_user"])
        user, group = UserFactory.create(), GroupFactory.create()
        url = f"/users/{user.pk}/"
        held = tag_of(client, url, auth)
        assert client.put(f"/groups/{group.pk}/members/{user.pk}/", headers=auth).status_code == 204
        response = send(client, "PATCH", url, {**auth, "If-Match": held}, {"first_name": "Late"})
        assert response.status_code == 412

    def test_a_forbidden_write_is_a_403_whatever_its_tag(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        url = f"/users/{UserFactory.create().pk}/"
        response = send(client, "PATCH", url, {**bearer(), "If-Match": STALE}, {"first_name": "X"})
        assert response.status_code == 403


class TestMe:
    """PUT and PATCH /users/me/: the same call as on /users/{own id}/."""

    def test_patch_me_changes_the_own_name_without_a_permission(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        user = UserFactory.create()
        auth = bearer(user=user)
        response = send(client, "PATCH", "/users/me/", auth, {"first_name": "Myself"})
        assert response.status_code == 200
        assert response.json()["first_name"] == "Myself"
        user.refresh_from_db()
        assert user.first_name == "Myself"
        assert response["ETag"] == tag_of(client, f"/users/{user.pk}/", auth)

    def test_put_me_replaces_the_own_profile(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        response = send(
            client, "PUT", "/users/me/", bearer(user=user), {**PROFILE, "is_active": True}
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.username, user.email) == ("renamed", "r@x.io")

    def test_deactivating_oneself_needs_the_permission_as_on_the_id(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        response = send(client, "PATCH", "/users/me/", bearer(), {"is_active": False})
        assert response.status_code == 403

    @pytest.mark.parametrize(
        ("sent", "status"),
        [
            ({}, 422),
            ({"current_password": "wrong-one-1"}, 422),
            ({"current_password": PASSWORD}, 200),
        ],
    )
    def test_a_password_change_needs_the_current_password(
        self, client: Client, bearer: BearerFactory, sent: dict[str, str], status: int
    ) -> None:
        user = UserFactory.create()
        body = {"password": "Another-Horse-Battery-10", **sent}
        response = send(client, "PATCH", "/users/me/", bearer(user=user), body)
        assert response.status_code == status, response.content
        user.refresh_from_db()
        assert user.check_password("Another-Horse-Battery-10") == (status == 200)

    def test_a_stale_if_match_on_me_is_a_412(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create(first_name="Kept")
        auth = {**bearer(user=user), "If-Match": STALE}
        assert send(client, "PATCH", "/users/me/", auth, {"first_name": "Lost"}).status_code == 412
        user.refresh_from_db()
        assert user.first_name == "Kept"

    def test_the_me_tag_is_the_id_tag(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        auth = bearer(user=user)
        held = tag_of(client, "/users/me/", auth)
        response = send(
            client,
            "PATCH",
            f"/users/{user.pk}/",
            {**auth, "If-Match": held},
            {"last_name": "Via-id"},
        )
        assert response.status_code == 200
        assert (
            send(client, "PATCH", "/users/me/", {**auth, "If-Match": held}, {}).status_code == 412
        )
