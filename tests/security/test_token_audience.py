"""Tokens for a named resource (RFC 8707 resource indicators): the token endpoint issues them,
and the API accepts one only where its URI lies under a resource the token names, as DOT's
resource server does (`AccessToken.allows_audience`, prefix matching)."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import AccessToken
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from tests.factories import PASSWORD, AccessTokenFactory, UserFactory
from tests.helpers import parse_challenge
from tests.security.conftest import OAuthClient

pytestmark = pytest.mark.django_db

THIS_SERVICE = "http://testserver/"  # the test client's host; the service is at the root
ELSEWHERE = "https://other.example.com/api/"
NOT_FOR_US = "The access token is not valid for this resource."


def issue(client: Client, oauth_client: OAuthClient, user: User, **data: Any) -> Any:
    response = oauth_client.token(
        client,
        {"grant_type": "password", "username": user.username, "password": PASSWORD, **data},
    )
    assert response.status_code == 200, response.content
    return response.json()


def get(client: Client, path: str, token: str, **headers: str) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {token}", **headers})


def test_a_token_issued_for_this_service_is_accepted(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(client, oauth_client, UserFactory.create(), resource=THIS_SERVICE)
    assert AccessToken.objects.get().resource == [THIS_SERVICE]
    assert get(client, "/users/me/", body["access_token"]).status_code == 200
    assert get(client, "/groups/", body["access_token"]).status_code == 200


def test_a_token_issued_for_another_resource_is_refused_as_invalid(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(client, oauth_client, UserFactory.create(), resource=ELSEWHERE)
    assert AccessToken.objects.get().resource == [ELSEWHERE]
    response = get(client, "/users/me/", body["access_token"])
    assert response.status_code == 401
    assert response.json() == {"detail": NOT_FOR_US}
    assert parse_challenge(response["WWW-Authenticate"]) == (
        "Bearer",
        {"realm": "api", "error": "invalid_token", "error_description": NOT_FOR_US},
    )


def test_a_token_without_resource_is_not_restricted(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(client, oauth_client, UserFactory.create())
    assert AccessToken.objects.get().resource == []
    assert get(client, "/users/me/", body["access_token"]).status_code == 200


def test_a_resource_path_admits_the_uris_under_it_only(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(client, oauth_client, UserFactory.create(), resource=THIS_SERVICE + "groups/")
    assert get(client, "/groups/", body["access_token"]).status_code == 200
    assert get(client, "/users/me/", body["access_token"]).status_code == 401


def test_a_token_for_several_resources_is_accepted_under_any_of_them(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(
        client, oauth_client, UserFactory.create(), resource=[ELSEWHERE, THIS_SERVICE + "users/"]
    )
    assert AccessToken.objects.get().resource == [ELSEWHERE, THIS_SERVICE + "users/"]
    assert get(client, "/users/me/", body["access_token"]).status_code == 200
    assert get(client, "/groups/", body["access_token"]).status_code == 401


@pytest.mark.parametrize("resource", ["/users/", "urn:example:api", "https://api.example/#x"])
def test_a_resource_that_is_not_an_absolute_uri_is_refused_at_the_token_endpoint(
    client: Client, oauth_client: OAuthClient, resource: str
) -> None:
    response = oauth_client.token(
        client,
        {
            "grant_type": "password",
            "username": UserFactory.create().username,
            "password": PASSWORD,
            "resource": resource,
        },
    )
    assert response.status_code == 400
    # DOT raises this error past oauthlib's handler, which would add Content-Type: JSON.
    assert json.loads(response.content)["error"] == "invalid_target"
    assert not AccessToken.objects.exists()


def test_a_refreshed_token_keeps_its_resource(client: Client, oauth_client: OAuthClient) -> None:
    first = issue(client, oauth_client, UserFactory.create(), resource=ELSEWHERE)
    second = oauth_client.token(
        client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert get(client, "/users/me/", second["access_token"]).status_code == 401
    assert AccessToken.objects.get().resource == [ELSEWHERE]


def test_a_token_for_another_resource_is_invalid_whatever_its_scopes(client: Client) -> None:
    token = AccessTokenFactory.create(scope="read", resource=[ELSEWHERE])
    # Without `groups`, a token for this service gets 403; one for elsewhere is not ours.
    response = get(client, "/groups/", token.token)
    assert response.status_code == 401
    assert response.json() == {"detail": NOT_FOR_US}


def test_the_resource_check_costs_no_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    restricted = AccessTokenFactory.create(resource=[ELSEWHERE, THIS_SERVICE])
    with django_assert_num_queries(2):  # the token with user and application; the user
        assert get(client, "/users/me/", restricted.token).status_code == 200
    refused = AccessTokenFactory.create(resource=[ELSEWHERE])
    with django_assert_num_queries(1):
        assert get(client, "/users/me/", refused.token).status_code == 401


class TestBehindATLSProxy:
    """The URI compared is the one the client used, as Django's settings reconstruct it: the
    scheme from `X-Forwarded-Proto` when `SECURE_PROXY_SSL_HEADER` trusts it, the host from
    `Host` (`USE_X_FORWARDED_HOST` stays off, so `X-Forwarded-Host` counts for nothing)."""

    SERVICE = "https://api.example.com/"

    @pytest.fixture(autouse=True)
    def _proxy(self, settings: Settings) -> None:
        settings.ALLOWED_HOSTS = ["api.example.com", "testserver"]
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    def test_a_token_for_the_public_https_uri_is_accepted(self, client: Client) -> None:
        token = AccessTokenFactory.create(resource=[self.SERVICE]).token
        response = get(
            client, "/users/me/", token, host="api.example.com", x_forwarded_proto="https"
        )
        assert response.status_code == 200

    def test_the_same_request_over_plain_http_is_refused(self, client: Client) -> None:
        token = AccessTokenFactory.create(resource=[self.SERVICE]).token
        assert get(client, "/users/me/", token, host="api.example.com").status_code == 401

    def test_a_forwarded_host_does_not_make_the_token_valid(self, client: Client) -> None:
        token = AccessTokenFactory.create(resource=["https://other.example.com/"]).token
        response = get(
            client,
            "/users/me/",
            token,
            host="api.example.com",
            x_forwarded_proto="https",
            x_forwarded_host="other.example.com",
        )
        assert response.status_code == 401
