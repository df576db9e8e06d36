"""DOT's tutorial, steps 4 and 5, through the full stack: a real /o/token/ request, then the API."""

import base64
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import PASSWORD, ApplicationFactory, GroupFactory, SuperuserFactory
from tests.helpers import parse_challenge

CLIENT_ID, CLIENT_SECRET = "tutorial-client", "tutorial-secret-0123456789"
DENIED = {"detail": "You do not have permission to perform this action."}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def admin(db: None) -> User:
    ApplicationFactory.create(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    GroupFactory.create(name="engineering")
    return SuperuserFactory.create(username="admin")


def token_request(client: Client, **extra: str) -> dict[str, Any]:
    """curl -X POST -d "grant_type=password&username=…&password=…" -u"id:secret" /o/token/"""
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    body = urlencode({"grant_type": "password", "username": "admin", "password": PASSWORD})
    if extra:
        body += "&" + urlencode(extra)
    response = client.post(
        "/o/token/", body, content_type=FORM, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def test_step_4_a_full_scope_token_reads_users_and_groups_and_creates_a_user(
    client: Client, admin: User
) -> None:
    token = token_request(client)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "read write groups"
    assert token["expires_in"] == 3600
    assert token["refresh_token"]
    auth = {"Authorization": f"Bearer {token['access_token']}"}

    users = client.get("/users/", headers=auth)
    assert users.status_code == 200
    assert [u["username"] for u in users.json()["items"]] == ["admin"]
    assert client.get(f"/users/{admin.pk}/", headers=auth).json()["username"] == "admin"
    assert client.get("/groups/", headers=auth).json()["items"][0]["name"] == "engineering"

    created = client.post(
        "/users/", "username=foo&password=Correct-Horse-42", content_type=FORM, headers=auth
    )
    assert created.status_code == 201
    assert created.json()["username"] == "foo"
    assert User.objects.get(username="foo").check_password("Correct-Horse-42")


def test_step_4_the_tutorials_own_weak_password_is_refused_with_a_422_naming_it(
    client: Client, admin: User
) -> None:
    auth = {"Authorization": f"Bearer {token_request(client)['access_token']}"}
    response = client.post("/users/", "username=foo&password=bar", content_type=FORM, headers=auth)
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("body", "payload", "password")}
    assert not User.objects.filter(username="foo").exists()


def test_step_5_a_read_token_reads_users_but_not_groups_nor_writes(
    client: Client, admin: User
) -> None:
    token = token_request(client, scope="read")
    assert token["scope"] == "read"
    auth = {"Authorization": f"Bearer {token['access_token']}"}

    assert client.get("/users/", headers=auth).status_code == 200
    assert client.get(f"/users/{admin.pk}/", headers=auth).status_code == 200

    groups = client.get("/groups/", headers=auth)
    assert groups.status_code == 403
    assert groups.json() == DENIED
    assert parse_challenge(groups["WWW-Authenticate"])[1]["scope"] == "groups read"

    create = client.post(
        "/users/", "username=foo&password=Correct-Horse-42", content_type=FORM, headers=auth
    )
    assert create.status_code == 403
    assert create.json() == DENIED
    assert parse_challenge(create["WWW-Authenticate"])[1]["scope"] == "write"
    assert not User.objects.filter(username="foo").exists()
