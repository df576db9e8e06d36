"""A client generated from openapi.json by openapi-python-client (`make client`), used over real
HTTP against a live server: every answer arrives as a typed object, errors included."""

from collections.abc import Iterator

import httpx
import pytest
from identity_directory_client import AuthenticatedClient
from identity_directory_client.api.groups import groups_create
from identity_directory_client.api.users import (
    users_create,
    users_list,
    users_me,
    users_me_partial_update,
)
from identity_directory_client.models import (
    ErrorOut,
    GroupIn,
    PagedUserOut,
    UserCreateIn,
    UserOut,
    UserPatchIn,
    ValidationErrorOut,
)
from pytest_django.live_server_helper import LiveServer

from tests.factories import PASSWORD, ApplicationFactory, UserFactory

CLIENT_ID, CLIENT_SECRET = "typed-client", "typed-client-secret"


@pytest.fixture
def api(live_server: LiveServer, transactional_db: None) -> Iterator[AuthenticatedClient]:
    """A client holding a token from /o/token/ for an admin, scope `read write groups`."""
    admin = UserFactory.create(permissions=["auth.add_user", "auth.add_group"])
    with client(live_server, token(live_server, admin.username, "read write groups")) as api:
        yield api


def token(live_server: LiveServer, username: str, scope: str) -> str:
    ApplicationFactory.create(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    response = httpx.post(
        f"{live_server.url}/o/token/",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={
            "grant_type": "password",
            "username": username,
            "password": PASSWORD,
            "scope": scope,
        },
    )
    response.raise_for_status()
    access_token: str = response.json()["access_token"]
    return access_token


def client(live_server: LiveServer, access_token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=live_server.url, token=access_token)


def test_a_token_from_the_token_endpoint_reads_the_own_user(api: AuthenticatedClient) -> None:
    me = users_me.sync(client=api)
    assert isinstance(me, UserOut)
    assert me.is_active


def test_users_come_in_typed_pages_linked_by_next(api: AuthenticatedClient) -> None:
    UserFactory.create_batch(4, last_name="Paged")
    first = users_list.sync(client=api, search="Paged", limit=3, count=True)
    assert isinstance(first, PagedUserOut)
    assert first.count == 4
    assert first.next_ is not None
    # `next` is root-relative: the client's own base URL resolves it.
    second = PagedUserOut.from_dict(api.get_httpx_client().get(first.next_).json())
    assert (second.count, second.next_) == (None, None)
    assert [len(first.items), len(second.items)] == [3, 1]
    assert all(user.last_name == "Paged" for user in first.items + second.items)
    by_offset = users_list.sync(client=api, search="Paged", limit=3, offset=3)
    assert isinstance(by_offset, PagedUserOut)
    assert [user.id for user in by_offset.items] == [user.id for user in second.items]


def test_creating_a_user_returns_the_typed_user(api: AuthenticatedClient) -> None:
    body = UserCreateIn(username="typed", password=PASSWORD, email="t@example.com")
    created = users_create.sync(client=api, body=body)
    assert isinstance(created, UserOut)
    assert (created.username, created.email, created.groups) == ("typed", "t@example.com", [])


def test_a_weak_password_is_a_typed_422(api: AuthenticatedClient) -> None:
    body = UserCreateIn(username="weak", password="123")
    response = users_create.sync_detailed(client=api, body=body)
    assert response.status_code == 422
    assert isinstance(response.parsed, ValidationErrorOut)
    assert {item.loc[-1] for item in response.parsed.detail} == {"password"}
    assert all(item.msg for item in response.parsed.detail)


def test_a_missing_scope_is_a_typed_403(live_server: LiveServer, transactional_db: None) -> None:
    user = UserFactory.create(permissions=["auth.add_group"])
    with client(live_server, token(live_server, user.username, "read")) as read_only:
        response = groups_create.sync_detailed(client=read_only, body=GroupIn(name="nope"))
    assert response.status_code == 403
    assert isinstance(response.parsed, ErrorOut)
    assert response.parsed.detail == "You do not have permission to perform this action."
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_a_write_with_a_stale_if_match_is_a_typed_412(api: AuthenticatedClient) -> None:
    read = users_me.sync_detailed(client=api)
    held = read.headers["ETag"]
    first = users_me_partial_update.sync_detailed(
        client=api, body=UserPatchIn(first_name="First"), if_match=held
    )
    assert isinstance(first.parsed, UserOut)
    assert first.parsed.first_name == "First"
    assert first.headers["ETag"] != held
    second = users_me_partial_update.sync_detailed(
        client=api, body=UserPatchIn(first_name="Second"), if_match=held
    )
    assert second.status_code == 412
    assert isinstance(second.parsed, ErrorOut)
    assert "If-Match" in second.parsed.detail
    assert users_me.sync(client=api, if_none_match=first.headers["ETag"]) is None


def test_a_matching_if_none_match_is_a_304_without_a_body(api: AuthenticatedClient) -> None:
    held = users_list.sync_detailed(client=api).headers["ETag"]
    response = users_list.sync_detailed(client=api, if_none_match=held)
    assert (response.status_code, response.content, response.parsed) == (304, b"", None)
    assert response.headers["ETag"] == held
