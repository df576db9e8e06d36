"""Every endpoint against every kind of credential: status, body and RFC 6750 challenge."""

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from tests.conftest import BearerFactory
from tests.factories import AccessTokenFactory, GroupFactory, UserFactory
from tests.helpers import Response, api_routes, parse_challenge

STRONG = "Correct-Horse-Battery-9"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    ok: int
    body: dict[str, Any] | None = None

    @property
    def group_api(self) -> bool:
        return self.path.startswith("/groups/")

    @property
    def safe(self) -> bool:
        return self.method == "GET"

    def url(self, user: User, group: Group) -> str:
        return self.path.format(user=user.pk, group=group.pk)


ENDPOINTS = [
    Endpoint("GET", "/users/", 200),
    Endpoint("POST", "/users/", 201, {"username": "newcomer", "password": STRONG}),
    Endpoint("GET", "/users/me/", 200),
    Endpoint("GET", "/users/{user}/", 200),
    Endpoint(
        "PUT",
        "/users/{user}/",
        200,
        {"username": "renamed", "email": "r@example.com", "first_name": "R", "last_name": "N"},
    ),
    Endpoint("PATCH", "/users/{user}/", 200, {"first_name": "Patched"}),
    Endpoint("DELETE", "/users/{user}/", 204),
    Endpoint("GET", "/groups/", 200),
    Endpoint("POST", "/groups/", 201, {"name": "new-group"}),
    Endpoint("GET", "/groups/{group}/", 200),
    Endpoint("PUT", "/groups/{group}/", 200, {"name": "renamed-group"}),
    Endpoint("PATCH", "/groups/{group}/", 200, {"name": "patched-group"}),
    Endpoint("DELETE", "/groups/{group}/", 204),
    Endpoint("GET", "/groups/{group}/members/", 200),
    Endpoint("PUT", "/groups/{group}/members/{user}/", 204),
    Endpoint("DELETE", "/groups/{group}/members/{user}/", 204),
]


def call(client: Client, endpoint: Endpoint, headers: dict[str, str]) -> Response:
    user, group = UserFactory.create(), GroupFactory.create()
    return client.generic(
        endpoint.method,
        endpoint.url(user, group),
        data=json.dumps(endpoint.body) if endpoint.body else "",
        content_type="application/json",
        headers=headers,
    )


def test_the_table_covers_every_route_of_the_api() -> None:
    table = {
        (e.method, e.path.replace("{user}", "{user_id}").replace("{group}", "{group_id}"))
        for e in ENDPOINTS
    }
    assert api_routes() == table


ids = [f"{e.method} {e.path}" for e in ENDPOINTS]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_no_credentials_is_a_401_challenge_without_error_code(
    client: Client, endpoint: Endpoint
) -> None:
    response = call(client, endpoint, {})
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert parse_challenge(response["WWW-Authenticate"]) == ("Bearer", {"realm": "api"})


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
@pytest.mark.parametrize(
    ("make_headers", "description"),
    [
        (lambda: {"Authorization": "Bearer not-a-real-token"}, "The access token is invalid."),
        (lambda: {"Authorization": "Bearer ¡nope!"}, "The access token is malformed."),
        (lambda: {"Authorization": "Bearer "}, "The access token is malformed."),
        (
            lambda: {
                "Authorization": "Bearer "
                + AccessTokenFactory.create(expires=timezone.now() - timedelta(seconds=1)).token
            },
            "The access token has expired.",
        ),
        (
            lambda: {"Authorization": "Bearer " + AccessTokenFactory.create(user=None).token},
            "The access token is not issued to an active user.",
        ),
    ],
    ids=["garbage", "malformed", "empty", "expired", "without-user"],
)
def test_unusable_token_is_a_401_invalid_token(
    client: Client, endpoint: Endpoint, make_headers: Any, description: str
) -> None:
    response = call(client, endpoint, make_headers())
    assert response.status_code == 401
    assert response.json() == {"detail": description}
    scheme, params = parse_challenge(response["WWW-Authenticate"])
    assert scheme == "Bearer"
    assert params["error"] == "invalid_token"
    assert params["realm"] == "api"


def needed_scopes(endpoint: Endpoint) -> set[str]:
    return {"read" if endpoint.safe else "write"} | ({"groups"} if endpoint.group_api else set())


SCOPE_SETS = ["read", "write", "groups", "read write", "read groups", "read write groups"]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
@pytest.mark.parametrize("scope", SCOPE_SETS)
def test_scopes_decide_between_success_and_403_insufficient_scope(
    client: Client, bearer: BearerFactory, endpoint: Endpoint, scope: str
) -> None:
    response = call(client, endpoint, bearer(scope=scope))
    needed = needed_scopes(endpoint)
    if needed <= set(scope.split()):
        assert response.status_code == endpoint.ok, response.content
        assert "WWW-Authenticate" not in response
        return
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    scheme, params = parse_challenge(response["WWW-Authenticate"])
    assert scheme == "Bearer"
    assert params["error"] == "insufficient_scope"
    assert set(params["scope"].split()) == needed


@pytest.mark.django_db
def test_other_authorization_schemes_get_a_challenge_without_error_code(client: Client) -> None:
    response = client.get("/users/", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert parse_challenge(response["WWW-Authenticate"]) == ("Bearer", {"realm": "api"})


@pytest.mark.django_db
def test_a_deactivated_users_token_stops_working(client: Client, bearer: BearerFactory) -> None:
    user = UserFactory.create()
    headers = bearer(scope="read", user=user)
    assert client.get("/users/me/", headers=headers).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/users/me/", headers=headers)
    assert response.status_code == 401
    assert parse_challenge(response["WWW-Authenticate"])[1]["error"] == "invalid_token"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["Bearer " + "a" * 100_000, "Bearer abc def", "Bearer\tabc", "bearer", "Bearer a, Bearer b"],
    ids=["100kB", "two-words", "tab", "bare-scheme", "two-credentials"],
)
def test_odd_authorization_headers_are_401_not_500(client: Client, value: str) -> None:
    response = client.get("/users/", headers={"Authorization": value})
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")
