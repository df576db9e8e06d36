"""Abuse of the token endpoint itself: scope escalation, user enumeration, odd bodies."""

import base64
import json

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import OAuthClient

pytestmark = pytest.mark.django_db


def test_an_unknown_scope_is_refused(client: Client, oauth_client: OAuthClient) -> None:
    user = UserFactory.create()
    response = oauth_client.password_grant(client, user.username, PASSWORD, scope="read admin")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_refresh_cannot_widen_the_scope(client: Client, oauth_client: OAuthClient) -> None:
    user = UserFactory.create()
    issued = oauth_client.password_grant(client, user.username, PASSWORD, scope="read").json()
    response = oauth_client.token(
        client,
        {
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "scope": "read write",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_unknown_user_and_wrong_password_look_the_same(
    client: Client, oauth_client: OAuthClient
) -> None:
    """No username enumeration through the token endpoint (OWASP API2)."""
    user = UserFactory.create()
    wrong = oauth_client.password_grant(client, user.username, "wrong", remote_addr="10.5.0.1")
    unknown = oauth_client.password_grant(client, "nobody", "wrong", remote_addr="10.5.0.2")
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())


def test_a_json_token_request_is_an_oauth2_error(client: Client, oauth_client: OAuthClient) -> None:
    response = client.post(
        "/o/token/",
        json.dumps({"grant_type": "password"}),
        content_type="application/json",
        headers=oauth_client.basic(),
    )
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(
    "field", ["username", "password", "scope", "client_id", "refresh_token", "grant_type"]
)
@pytest.mark.parametrize("path", ["/o/token/", "/o/revoke_token/", "/o/introspect/"])
def test_a_nul_byte_anywhere_in_a_token_request_is_a_400(
    client: Client, oauth_client: OAuthClient, path: str, field: str
) -> None:
    """PostgreSQL refuses NUL in text: unchecked, it would be a 500."""
    data = {"grant_type": "password", "username": "admin", "password": "x", "token": "t"}
    data[field] = "ad\x00min"
    response = client.post(path, data, headers=oauth_client.basic())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_nul_byte_in_the_basic_client_id_is_a_400(
    client: Client, oauth_client: OAuthClient
) -> None:
    raw = base64.b64encode(b"cli\x00ent:secret").decode()
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    assert response.status_code == 400


def test_token_responses_are_not_cached(client: Client, oauth_client: OAuthClient) -> None:
    user = UserFactory.create()
    response = oauth_client.password_grant(client, user.username, PASSWORD)
    assert response["Cache-Control"] == "no-store"


def test_a_foreign_host_header_is_a_json_400(client: Client) -> None:
    response = client.get("/users/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


@pytest.mark.parametrize("path", ["/o/token/", "/o/revoke_token/"])
@pytest.mark.parametrize("where", ["basic", "form"])
def test_failed_client_authentication_is_a_401_with_a_basic_challenge(
    client: Client, oauth_client: OAuthClient, path: str, where: str
) -> None:
    """RFC 6749 §5.2: invalid_client answers with the challenge of the scheme clients use to
    authenticate (HTTP Basic), not oauthlib's Bearer one."""
    user = UserFactory.create()
    data = {"grant_type": "password", "username": user.username, "password": PASSWORD}
    data["token"] = "anything"
    if where == "basic":
        response = client.post(path, data, headers=oauth_client.basic("wrong"))
    else:
        wrong = {"client_id": oauth_client.client_id, "client_secret": "wrong"}
        response = client.post(path, data | wrong)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="oauth2"'
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "invalid_client", "detail": "Client authentication failed."}


def test_every_token_endpoint_error_is_json_with_a_detail(
    client: Client, oauth_client: OAuthClient
) -> None:
    """DOT answers RFC 8707's invalid_target with a JSON body typed text/html."""
    user = UserFactory.create()
    data = {"grant_type": "password", "username": user.username, "password": PASSWORD}
    response = oauth_client.token(client, data | {"resource": "not a uri"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"] == "invalid_target"
    assert body["detail"] == body["error_description"]
