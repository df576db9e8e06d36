"""SCIM Users over the directory's users: the mapping, agreement with the REST API both ways,
the audit trail, ETags, and no secret in any answer."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import AccessToken

from audit.models import AuditEvent
from directory.models import UserExternalId
from tests.conftest import BearerFactory
from tests.factories import AccessTokenFactory, GroupFactory, SuperuserFactory, UserFactory
from tests.scim import USER_SCHEMA, Scim, error_of, patch_op, provisioning_client, scim_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def scim(client: Client) -> Scim:
    return Scim(client, scim_token(provisioning_client()))


BJENSEN = {
    "schemas": [USER_SCHEMA],
    "externalId": "bjensen-ext",
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
    "emails": [
        {"value": "home@example.com", "type": "home"},
        {"value": "bjensen@example.com", "type": "work", "primary": True},
    ],
    "active": True,
    "password": "Correct-Horse-Battery-9",
    "title": "Tour Guide",
}


def test_a_created_user_is_the_directorys_user_and_reads_back_mapped(scim: Scim) -> None:
    created = scim.post("/Users", BJENSEN)
    assert created.status_code == 201, created.content
    body = created.json()
    user = User.objects.get(username="bjensen@example.com")
    assert (user.first_name, user.last_name, user.email, user.is_active) == (
        "Barbara",
        "Jensen",
        "bjensen@example.com",
        True,
    )
    assert user.check_password("Correct-Horse-Battery-9")
    assert body["id"] == str(user.pk)
    assert body["externalId"] == "bjensen-ext"
    assert body["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert body["emails"] == [{"value": "bjensen@example.com", "type": "work"}]
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["location"] == f"http://testserver/scim/v2/Users/{user.pk}"
    assert created["Location"] == body["meta"]["location"]
    assert created["ETag"] == body["meta"]["version"]
    assert created["Content-Type"] == "application/scim+json"
    assert "password" not in created.content.decode()


def test_no_password_hash_or_token_is_ever_in_an_answer(scim: Scim) -> None:
    user_id = scim.post("/Users", BJENSEN).json()["id"]
    user = User.objects.get(pk=user_id)
    for response in (
        scim.get(f"/Users/{user_id}"),
        scim.get("/Users"),
        scim.get(f"/Users/{user_id}?attributes=password"),
        scim.patch(
            f"/Users/{user_id}", patch_op({"op": "replace", "path": "active", "value": False})
        ),
    ):
        text = response.content.decode()
        assert "password" not in text
        assert user.password.split("$")[-1] not in text
        assert "Bearer" not in text
        assert "test-token" not in text


def test_a_user_created_without_a_password_cannot_sign_in_with_one(scim: Scim) -> None:
    assert scim.post("/Users", {"userName": "nopass"}).status_code == 201
    assert not User.objects.get(username="nopass").has_usable_password()


def test_usernames_are_unique_regardless_of_case_409_uniqueness(scim: Scim) -> None:
    UserFactory.create(username="Alice")
    assert error_of(scim.post("/Users", {"userName": "alice"})) == (409, "uniqueness")


def test_external_ids_are_unique_409_uniqueness(scim: Scim) -> None:
    assert scim.post("/Users", {"userName": "a", "externalId": "x"}).status_code == 201
    assert error_of(scim.post("/Users", {"userName": "b", "externalId": "x"})) == (
        409,
        "uniqueness",
    )
    assert not User.objects.filter(username="b").exists()  # the create rolled back whole


def test_invalid_values_are_400_invalid_value_and_change_nothing(scim: Scim) -> None:
    for body in (
        {"userName": "has space"},
        {"userName": ""},
        {"name": {"givenName": "No username"}},
        {"userName": "ok", "emails": [{"value": "not-an-email"}]},
        {"userName": "ok", "active": "maybe"},
        {"userName": "ok", "password": "short"},
    ):
        response = scim.post("/Users", body)
        assert error_of(response) == (400, "invalidValue"), body
    assert not User.objects.filter(username="ok").exists()


def test_groups_are_read_only_on_the_user(scim: Scim) -> None:
    user = UserFactory.create()
    group = GroupFactory.create(name="ops")
    group.user_set.add(user)
    body = scim.get(f"/Users/{user.pk}").json()
    assert body["groups"] == [
        {
            "value": "g" + str(group.pk),
            "$ref": f"http://testserver/scim/v2/Groups/g{group.pk}",
            "display": "ops",
            "type": "direct",
        }
    ]
    response = scim.patch(
        f"/Users/{user.pk}", patch_op({"op": "add", "path": "groups", "value": [{"value": "1"}]})
    )
    assert error_of(response) == (400, "mutability")


def test_scim_changes_read_back_through_rest(
    client: Client, scim: Scim, bearer: BearerFactory
) -> None:
    user = UserFactory.create(username="carol")
    scim.patch(
        f"/Users/{user.pk}",
        patch_op(
            {"op": "replace", "path": "name.givenName", "value": "Caroline"},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "c@example.com"},
        ),
    )
    rest = client.get(f"/users/{user.pk}/", headers=bearer(perms=["auth.view_user"])).json()
    assert (rest["first_name"], rest["email"]) == ("Caroline", "c@example.com")
    scim_body = scim.get(f"/Users/{user.pk}").json()
    rest_response = client.get(f"/users/{user.pk}/", headers=bearer(perms=["auth.view_user"]))
    assert scim_body["meta"]["version"] == rest_response["ETag"]


def test_rest_changes_read_back_through_scim(
    client: Client, scim: Scim, bearer: BearerFactory
) -> None:
    user = UserFactory.create(username="dave")
    auth = bearer(perms=["auth.change_user", "auth.view_user"])
    response = client.patch(
        f"/users/{user.pk}/",
        {"last_name": "Davidson", "is_active": False},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200
    body = scim.get(f"/Users/{user.pk}").json()
    assert body["name"]["familyName"] == "Davidson"
    assert body["active"] is False
    assert body["meta"]["version"] == response["ETag"]


def test_scim_changes_are_audited_with_the_provisioning_clients_id(scim: Scim) -> None:
    user_id = scim.post("/Users", {"userName": "erin", "externalId": "e-1"}).json()["id"]
    scim.patch(f"/Users/{user_id}", patch_op({"op": "Replace", "path": "active", "value": "False"}))
    events = AuditEvent.objects.filter(target_type="user", target_id=user_id).order_by("id")
    assert [event.action for event in events] == [
        "user.created",
        "user.updated",
        "user.deactivated",
    ]
    assert {event.client_id for event in events} == {"entra-provisioning"}
    assert {event.actor_username for event in events} == {"provisioner"}
    assert events[1].changes == {"external_id": [None, "e-1"]}


def test_meta_last_modified_follows_the_latest_change(scim: Scim) -> None:
    user_id = scim.post("/Users", {"userName": "frank"}).json()["id"]
    first = scim.get(f"/Users/{user_id}").json()["meta"]
    scim.patch(
        f"/Users/{user_id}", patch_op({"op": "replace", "path": "userName", "value": "frankie"})
    )
    later = scim.get(f"/Users/{user_id}").json()["meta"]
    assert later["lastModified"] > first["lastModified"] >= first["created"]


def test_put_replaces_the_mapped_attributes(scim: Scim) -> None:
    user_id = scim.post("/Users", BJENSEN).json()["id"]
    replaced = scim.put(f"/Users/{user_id}", {"schemas": [USER_SCHEMA], "userName": "bj"})
    assert replaced.status_code == 200, replaced.content
    body = replaced.json()
    assert body["userName"] == "bj"
    assert "name" not in body
    assert "emails" not in body
    assert "externalId" not in body
    assert body["active"] is True  # left out: unchanged
    assert not UserExternalId.objects.exists()


def test_a_password_set_later_is_validated_hashed_and_revokes_tokens(
    client: Client, scim: Scim
) -> None:
    user = UserFactory.create(username="gina")
    user_token = AccessTokenFactory.create(user=user)
    path = f"/Users/{user.pk}"
    weak = scim.patch(path, patch_op({"op": "replace", "path": "password", "value": "gina"}))
    assert error_of(weak) == (400, "invalidValue")
    assert AccessToken.objects.filter(pk=user_token.pk).exists()
    changed = scim.patch(
        path, patch_op({"op": "replace", "path": "password", "value": "New-Pass-99x!"})
    )
    assert changed.status_code == 200
    assert "password" not in changed.content.decode()
    user.refresh_from_db()
    assert user.check_password("New-Pass-99x!")
    assert not AccessToken.objects.filter(pk=user_token.pk).exists()


def test_deactivation_revokes_the_users_tokens(scim: Scim) -> None:
    user = UserFactory.create()
    user_token = AccessTokenFactory.create(user=user)
    scim.patch(f"/Users/{user.pk}", patch_op({"op": "replace", "path": "active", "value": False}))
    assert not AccessToken.objects.filter(pk=user_token.pk).exists()


def test_delete_removes_the_user(scim: Scim) -> None:
    user = UserFactory.create()
    assert scim.delete(f"/Users/{user.pk}").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert error_of(scim.delete(f"/Users/{user.pk}")) == (404, None)


def test_the_last_superuser_stays_409(client: Client) -> None:
    admin = SuperuserFactory.create()
    scim = Scim(client, scim_token(provisioning_client(owner=admin)))
    response = scim.patch(
        f"/Users/{admin.pk}", patch_op({"op": "replace", "value": {"active": False}})
    )
    assert error_of(response) == (409, None)
    admin.refresh_from_db()
    assert admin.is_active


def test_if_match_with_a_stale_version_is_a_412(scim: Scim) -> None:
    user_id = scim.post("/Users", {"userName": "hank"}).json()["id"]
    version = scim.get(f"/Users/{user_id}")["ETag"]
    operation = patch_op({"op": "replace", "path": "name.familyName", "value": "Hill"})
    assert scim.patch(f"/Users/{user_id}", operation, **{"If-Match": version}).status_code == 200
    stale = scim.patch(
        f"/Users/{user_id}",
        patch_op({"op": "replace", "path": "name.familyName", "value": "Other"}),
        **{"If-Match": version},
    )
    assert error_of(stale) == (412, None)
    assert User.objects.get(pk=user_id).last_name == "Hill"
    assert error_of(scim.delete(f"/Users/{user_id}", **{"If-Match": version})) == (412, None)
    assert (
        scim.get(
            f"/Users/{user_id}", **{"If-None-Match": scim.get(f"/Users/{user_id}")["ETag"]}
        ).status_code
        == 304
    )
