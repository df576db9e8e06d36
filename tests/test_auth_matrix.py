"""Every endpoint against every kind of credential: status, body and RFC 6750 challenge."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.conftest import BearerFactory
from tests.factories import AccessTokenFactory, UserFactory
from tests.helpers import api_routes, parse_challenge
from tests.routes import ROUTE_IDS, ROUTES, Route


def test_the_table_covers_every_route_of_the_api() -> None:
    table = {(r.method, r.template) for r in ROUTES}
    assert api_routes() == table


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_no_credentials_is_a_401_challenge_without_error_code(client: Client, route: Route) -> None:
    response = route.call(client, {})
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert parse_challenge(response["WWW-Authenticate"]) == ("Bearer", {"realm": "api"})


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
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
    client: Client, route: Route, make_headers: Any, description: str
) -> None:
    response = route.call(client, make_headers())
    assert response.status_code == 401
    assert response.json() == {"detail": description}
    scheme, params = parse_challenge(response["WWW-Authenticate"])
    assert scheme == "Bearer"
    assert params["error"] == "invalid_token"
    assert params["realm"] == "api"


SCOPE_SETS = [
    "read",
    "write",
    "groups",
    "read write",
    "read groups",
    "read write groups",
    "read audit",
]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("scope", SCOPE_SETS)
def test_scopes_decide_between_success_and_403_insufficient_scope(
    client: Client, bearer: BearerFactory, route: Route, scope: str
) -> None:
    response = route.call(client, bearer(scope=scope, perms=route.perms))
    needed = route.scopes
    if needed <= set(scope.split()):
        assert response.status_code == route.ok, response.content
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
