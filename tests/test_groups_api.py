import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def test_list_is_paginated_searchable_and_ordered(client: Client, bearer: BearerFactory) -> None:
    auth = bearer(scope="read groups")
    for name in ("ops", "devops", "sales"):
        GroupFactory.create(name=name)
    page = client.get("/groups/?limit=2&count=true", headers=auth).json()
    assert (page["count"], [g["name"] for g in page["items"]]) == (3, ["ops", "devops"])
    found = client.get("/groups/?search=OPS", headers=auth).json()
    assert [g["name"] for g in found["items"]] == ["ops", "devops"]


def test_create_from_a_form_and_read_back(client: Client, bearer: BearerFactory) -> None:
    auth = bearer(perms=["auth.add_group"])
    created = client.post("/groups/", "name=editors", content_type=FORM, headers=auth)
    assert created.status_code == 201
    group_id = created.json()["id"]
    assert client.get(f"/groups/{group_id}/", headers=auth).json() == {
        "id": group_id,
        "name": "editors",
    }


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x" * 151}, {"name": "a\nb"}, {"name": "ok", "extra": 1}]
)
def test_invalid_group_bodies_are_a_422(
    client: Client, bearer: BearerFactory, body: dict[str, object]
) -> None:
    auth = bearer(perms=["auth.add_group"])  # one who may create: only the body stops it
    response = client.post(
        "/groups/", json.dumps(body), content_type="application/json", headers=auth
    )
    assert response.status_code == 422
    assert not Group.objects.exists()


def test_duplicate_names_are_a_409_on_create_and_rename(
    client: Client, bearer: BearerFactory
) -> None:
    auth = bearer(perms=["auth.add_group", "auth.change_group"])
    GroupFactory.create(name="taken")
    other = GroupFactory.create(name="free")
    created = client.post("/groups/", "name=taken", content_type=FORM, headers=auth)
    assert created.status_code == 409
    assert created.json() == {"detail": "A group with that name already exists."}
    renamed = client.put(f"/groups/{other.pk}/", "name=taken", content_type=FORM, headers=auth)
    assert renamed.status_code == 409
    other.refresh_from_db()
    assert other.name == "free"


def test_put_patch_and_delete(client: Client, bearer: BearerFactory) -> None:
    auth = bearer(perms=["auth.change_group", "auth.delete_group"])
    group = GroupFactory.create(name="before")
    url = f"/groups/{group.pk}/"
    assert (
        client.put(url, "name=middle", content_type=FORM, headers=auth).json()["name"] == "middle"
    )
    assert (
        client.patch(url, "{}", content_type="application/json", headers=auth).json()["name"]
        == "middle"
    )
    assert (
        client.patch(url, "name=after", content_type=FORM, headers=auth).json()["name"] == "after"
    )
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404


def test_membership_is_idempotent_and_listed(client: Client, bearer: BearerFactory) -> None:
    auth = bearer(perms=["auth.change_user"])
    group, alice, bob = GroupFactory.create(), UserFactory.create(), UserFactory.create()
    members = f"/groups/{group.pk}/members/"
    for _ in range(2):
        assert client.put(f"{members}{alice.pk}/", headers=auth).status_code == 204
    assert client.put(f"{members}{bob.pk}/", headers=auth).status_code == 204
    listed = client.get(f"{members}?count=true", headers=auth).json()
    assert (listed["count"], [u["id"] for u in listed["items"]]) == (2, [alice.pk, bob.pk])
    assert listed["items"][0]["groups"] == [group.pk]
    for _ in range(2):
        assert client.delete(f"{members}{alice.pk}/", headers=auth).status_code == 204
    assert list(group.user_set.values_list("id", flat=True)) == [bob.pk]


@pytest.mark.parametrize("missing", ["group", "user"])
def test_membership_of_a_missing_group_or_user_is_a_404(
    client: Client, bearer: BearerFactory, missing: str
) -> None:
    group, user = GroupFactory.create(), UserFactory.create()
    group_id = 987654 if missing == "group" else group.pk
    user_id = 987654 if missing == "user" else user.pk
    auth = bearer(perms=["auth.change_user"])
    response = client.put(f"/groups/{group_id}/members/{user_id}/", headers=auth)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "path", "body", "permission"),
    [
        ("post", "/groups/", "name=new", "auth.add_group"),
        ("put", "/groups/{group}/", "name=new", "auth.change_group"),
        ("patch", "/groups/{group}/", "name=new", "auth.change_group"),
        ("delete", "/groups/{group}/", "", "auth.delete_group"),
        ("put", "/groups/{group}/members/{user}/", "", "auth.change_user"),
        ("delete", "/groups/{group}/members/{user}/", "", "auth.change_user"),
    ],
)
def test_writes_need_the_users_model_permission(
    client: Client, bearer: BearerFactory, method: str, path: str, body: str, permission: str
) -> None:
    group, user = GroupFactory.create(name="kept"), UserFactory.create()
    url = path.format(group=group.pk, user=user.pk)
    plain = bearer()
    denied = getattr(client, method)(url, body, content_type=FORM, headers=plain)
    assert denied.status_code == 403
    assert Group.objects.filter(name="kept").exists()
    allowed = bearer(perms=[permission])
    assert getattr(client, method)(url, body, content_type=FORM, headers=allowed).status_code in {
        200,
        201,
        204,
    }
