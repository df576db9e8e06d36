"""The requests Microsoft Entra ID and Okta send, as their documentation shows them (Entra:
"Tutorial: Develop and plan provisioning for a SCIM endpoint"; Okta: "SCIM 2.0 protocol"
reference), through the full stack: each of their departures from the RFC is accepted."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from tests.factories import GroupFactory, UserFactory
from tests.scim import (
    GROUP_SCHEMA,
    LIST,
    PATCH_OP,
    USER_SCHEMA,
    Scim,
    provisioning_client,
    scim_token,
)

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def scim(client: Client) -> Scim:
    return Scim(client, scim_token(provisioning_client()))


def _query(filter_: str, **params: str) -> str:
    rest = "".join(f"&{key}={value}" for key, value in params.items())
    return f"?filter={quote(filter_)}{rest}"


# Microsoft Entra ID


def test_entra_creates_a_user_after_a_username_query_finds_none(scim: Scim) -> None:
    found = scim.get("/Users" + _query('userName eq "Test_User_dfeef4c5"'))
    assert found.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    created = scim.post(
        "/Users",
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "active": True,
            "emails": [
                {"primary": True, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}
            ],
            "meta": {"resourceType": "User"},
            "name": {
                "formatted": "givenName familyName",
                "familyName": "familyName",
                "givenName": "givenName",
            },
            "roles": [],
            ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    by_username = scim.get(
        "/Users" + _query('userName eq "TEST_USER_AB6490EE-1e48-479e-a20b-2d77186b5dd1"')
    )
    by_external_id = scim.get(
        "/Users" + _query('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')
    )
    for listing in (by_username, by_external_id):
        assert [user["id"] for user in listing.json()["Resources"]] == [body["id"]]


def test_entra_updates_with_capitalised_ops_and_a_value_path(scim: Scim) -> None:
    user = UserFactory.create(email="old@example.com")
    response = scim.patch(
        f"/Users/{user.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "updatedEmail@microsoft.com",
                },
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
                {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "42"},
            ],
        },
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.email, user.last_name) == ("updatedEmail@microsoft.com", "updatedFamilyName")


def test_entra_adds_an_email_to_a_user_without_one(scim: Scim) -> None:
    user = UserFactory.create(email="")
    scim.patch(
        f"/Users/{user.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "Add", "path": 'emails[type eq "work"].value', "value": "new@example.com"}
            ],
        },
    )
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_entra_disables_a_user_with_a_string_boolean(scim: Scim) -> None:
    user = UserFactory.create()
    response = scim.patch(
        f"/Users/{user.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        },
    )
    assert response.json()["active"] is False
    user.refresh_from_db()
    assert not user.is_active
    listed = scim.get("/Users" + _query(f'userName eq "{user.username}"')).json()
    assert listed["Resources"][0]["active"] is False


def test_entra_replaces_without_a_path_with_dotted_keys(scim: Scim) -> None:
    user = UserFactory.create()
    scim.patch(
        f"/Users/{user.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "replace",
                    "value": {
                        "name.givenName": "Given",
                        "name.familyName": "Family",
                        "active": "True",
                        "displayName": "ignored",
                    },
                }
            ],
        },
    )
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.is_active) == ("Given", "Family", True)


def test_entra_creates_a_group_and_reads_it_without_members(scim: Scim) -> None:
    created = scim.post(
        "/Groups",
        {
            "schemas": [
                GROUP_SCHEMA,
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201, created.content
    group_id = created.json()["id"]
    member = UserFactory.create()
    Group.objects.get(pk=group_id.removeprefix("g")).user_set.add(member)
    one = scim.get(f"/Groups/{group_id}?excludedAttributes=members").json()
    assert "members" not in one
    assert one["displayName"] == "displayName"
    listed = scim.get(
        "/Groups" + _query('displayName eq "displayName"', excludedAttributes="members")
    ).json()
    assert [group["id"] for group in listed["Resources"]] == [group_id]
    assert "members" not in listed["Resources"][0]
    with_member = scim.get(
        "/Groups"
        + _query(f'id eq "{group_id}" and members eq "{member.pk}"', excludedAttributes="members")
    ).json()
    assert with_member["totalResults"] == 1


def test_entra_adds_and_removes_members_with_value_lists(scim: Scim) -> None:
    group = GroupFactory.create()
    alice, bob = UserFactory.create_batch(2)
    add = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "Add",
                "path": "members",
                "value": [
                    {"$ref": None, "value": str(alice.pk)},
                    {"$ref": None, "value": str(bob.pk)},
                ],
            }
        ],
    }
    assert scim.patch(f"/Groups/g{group.pk}", add).status_code == 200
    assert scim.patch(f"/Groups/g{group.pk}", add).status_code == 200  # already members: a no-op
    assert set(group.user_set.all()) == {alice, bob}
    remove = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": str(alice.pk)}]}
        ],
    }
    assert scim.patch(f"/Groups/g{group.pk}", remove).status_code == 200
    assert list(group.user_set.all()) == [bob]


def test_entra_renames_a_group(scim: Scim) -> None:
    group = GroupFactory.create()
    scim.patch(
        f"/Groups/g{group.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Replace", "path": "displayName", "value": "renamed"}],
        },
    )
    group.refresh_from_db()
    assert group.name == "renamed"


# Okta


def test_okta_reads_the_first_pages_then_creates_a_user(scim: Scim) -> None:
    UserFactory.create_batch(3)
    first = scim.get("/Users?startIndex=1&count=2").json()
    assert (first["totalResults"], first["itemsPerPage"], first["startIndex"]) == (4, 2, 1)
    assert scim.get("/Groups?startIndex=1&count=100").status_code == 200
    assert (
        scim.get(
            "/Users" + _query('userName eq "test.user@okta.local"', startIndex="1", count="100")
        ).json()["totalResults"]
        == 0
    )
    created = scim.post(
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "Okta-Random-Passw0rd-1",
            "active": True,
        },
    )
    assert created.status_code == 201, created.content
    assert User.objects.get(username="test.user@okta.local").check_password(
        "Okta-Random-Passw0rd-1"
    )


def test_okta_replaces_a_user_with_put(scim: Scim) -> None:
    user = UserFactory.create(username="test.user@okta.local", email="test.user@okta.local")
    current = scim.get(f"/Users/{user.pk}").json()
    body = {**current, "name": {"givenName": "Another", "familyName": "User"}, "active": True}
    replaced = scim.put(f"/Users/{user.pk}", body)
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["name"]["givenName"] == "Another"


def test_okta_deactivates_without_a_path(scim: Scim) -> None:
    user = UserFactory.create()
    response = scim.patch(
        f"/Users/{user.pk}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_active


def test_okta_pushes_a_group_and_its_members(scim: Scim) -> None:
    user = UserFactory.create(username="test.user@okta.local", email="test.user@okta.local")
    created = scim.post(
        "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []}
    )
    group_id = created.json()["id"]
    renamed = scim.patch(
        f"/Groups/{group_id}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "replace", "value": {"id": group_id, "displayName": "Test SCIMv2 renamed"}}
            ],
        },
    )
    assert renamed.json()["displayName"] == "Test SCIMv2 renamed"
    added = scim.patch(
        f"/Groups/{group_id}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [{"value": str(user.pk), "display": "test.user@okta.local"}],
                }
            ],
        },
    )
    assert [m["value"] for m in added.json()["members"]] == [str(user.pk)]
    removed = scim.patch(
        f"/Groups/{group_id}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "remove", "path": f'members[value eq "{user.pk}"]'}],
        },
    )
    assert removed.status_code == 200
    assert "members" not in removed.json()
    assert scim.delete(f"/Groups/{group_id}").status_code == 204
