"""Token introspection (RFC 7662) at /o/introspect/: POST only, the token in the body; a client
authenticates with its credentials, or a bearer token with the `introspection` scope."""

import base64

import pytest
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import AccessTokenFactory, PublicClientFactory
from tests.helpers import parse_challenge
from tests.security.conftest import CLIENT_SECRET, OAuthClient

pytestmark = pytest.mark.django_db

URL = "/o/introspect/"


def test_a_client_introspects_a_token_sent_in_the_body(
    client: Client, oauth_client: OAuthClient
) -> None:
    token = AccessTokenFactory.create(scope="read")
    response = client.post(URL, {"token": token.token}, headers=oauth_client.basic())
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert (body["scope"], body["username"]) == ("read", token.user.username)


@pytest.mark.parametrize("where", ["basic", "body"])
def test_a_public_client_cannot_introspect(client: Client, where: str) -> None:
    """RFC 7662 §4: a public client's id is no credential, empty secret or not."""
    public = PublicClientFactory.create()
    token = AccessTokenFactory.create()
    data = {"token": token.token}
    headers = {}
    if where == "basic":
        headers["Authorization"] = (
            "Basic " + base64.b64encode(f"{public.client_id}:".encode()).decode()
        )
    else:
        data.update(client_id=public.client_id, client_secret="")
    response = client.post(URL, data, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "active" not in response.json()


def test_an_unknown_token_is_inactive(client: Client, oauth_client: OAuthClient) -> None:
    response = client.post(URL, {"token": "no-such-token"}, headers=oauth_client.basic())
    assert (response.status_code, response.json()) == (200, {"active": False})


def test_client_credentials_in_the_form_body_are_accepted(
    client: Client, oauth_client: OAuthClient
) -> None:
    token = AccessTokenFactory.create()
    data = {"token": token.token, "client_id": oauth_client.client_id}
    response = client.post(URL, {**data, "client_secret": CLIENT_SECRET})
    assert response.json()["active"] is True


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_any_method_but_post_is_a_json_405_allowing_post(
    client: Client, oauth_client: OAuthClient, method: str
) -> None:
    """RFC 7662 §2.1: the token goes in a POST body; in a URL it lands in access logs."""
    token = AccessTokenFactory.create()
    response = client.generic(method, f"{URL}?token={token.token}", headers=oauth_client.basic())
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["detail"] == body["error_description"]
    assert "active" not in body


def test_head_is_a_405_allowing_post(client: Client, oauth_client: OAuthClient) -> None:
    response = client.head(f"{URL}?token=x", headers=oauth_client.basic())
    assert (response.status_code, response["Allow"]) == (405, "POST")


def test_a_token_in_the_query_string_of_a_post_is_not_read(
    client: Client, oauth_client: OAuthClient
) -> None:
    token = AccessTokenFactory.create()
    response = client.post(f"{URL}?token={token.token}", {}, headers=oauth_client.basic())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "credentials",
    [
        {"headers": {"Authorization": "Basic bm8tc3VjaC1jbGllbnQ6c2VjcmV0"}},  # no-such-client
        {"data": {"client_id": "no-such-client", "client_secret": "secret"}},
        {},
    ],
    ids=["wrong-basic", "wrong-form", "none"],
)
def test_failed_client_authentication_is_a_401_invalid_client_with_a_basic_challenge(
    client: Client, credentials: dict[str, dict[str, str]]
) -> None:
    """RFC 6749 §5.2, rather than DOT's empty HTML 403."""
    data = {"token": "x", **credentials.get("data", {})}
    response = client.post(URL, data, headers=credentials.get("headers", {}))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
        "detail": "Client authentication failed.",
    }
    assert parse_challenge(response["WWW-Authenticate"]) == ("Basic", {"realm": "oauth2"})


def test_a_wrong_secret_of_a_real_client_is_a_401_invalid_client(
    client: Client, oauth_client: OAuthClient
) -> None:
    response = client.post(URL, {"token": "x"}, headers=oauth_client.basic("wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert parse_challenge(response["WWW-Authenticate"])[0] == "Basic"


def test_a_bearer_token_with_the_introspection_scope_may_introspect(
    client: Client, bearer: BearerFactory
) -> None:
    token = AccessTokenFactory.create()
    response = client.post(URL, {"token": token.token}, headers=bearer(scope="introspection"))
    assert response.status_code == 200
    assert response.json()["active"] is True


def test_a_bearer_token_without_the_introspection_scope_is_a_403_insufficient_scope(
    client: Client, bearer: BearerFactory
) -> None:
    token = AccessTokenFactory.create()
    response = client.post(URL, {"token": token.token}, headers=bearer(scope="read write groups"))
    assert response.status_code == 403
    body = response.json()
    assert (body["error"], body["scope"]) == ("insufficient_scope", "introspection")
    assert "active" not in body
    scheme, params = parse_challenge(response["WWW-Authenticate"])
    assert (scheme, params["error"], params["scope"]) == (
        "Bearer",
        "insufficient_scope",
        "introspection",
    )


def test_an_unknown_bearer_token_is_a_401_invalid_token(client: Client) -> None:
    response = client.post(URL, {"token": "x"}, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    scheme, params = parse_challenge(response["WWW-Authenticate"])
    assert (scheme, params["error"], params["realm"]) == ("Bearer", "invalid_token", "oauth2")
