"""Who may use /scim/v2/: a bearer token with the `scim` scope, acting for its user or, from
the client credentials grant, its application's owner, within that user's model permissions.
Every refusal is a SCIM error."""

import base64

import pytest
from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import Application

from tests.factories import AccessTokenFactory, UserFactory
from tests.helpers import parse_challenge
from tests.scim import BASE, SCIM, USER_SCHEMA, Scim, error_of, provisioning_client, scim_token

pytestmark = pytest.mark.django_db


def test_a_client_credentials_token_from_the_token_endpoint_provisions(client: Client) -> None:
    application = provisioning_client()
    application.client_secret = "s3cret-of-the-provisioning-client"
    application.save()
    basic = base64.b64encode(b"entra-provisioning:s3cret-of-the-provisioning-client").decode()
    issued = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "scim"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert issued.status_code == 200, issued.content
    token = issued.json()["access_token"]
    created = client.post(
        f"{BASE}/Users",
        f'{{"schemas": ["{USER_SCHEMA}"], "userName": "alice@example.com"}}',
        content_type=SCIM,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.content
    assert User.objects.filter(username="alice@example.com").exists()


def test_a_client_credentials_token_asked_without_scope_gets_scim(client: Client) -> None:
    application = provisioning_client()
    application.client_secret = "s3cret-of-the-provisioning-client"
    application.save()
    issued = client.post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": "entra-provisioning",
            "client_secret": "s3cret-of-the-provisioning-client",
        },
    )
    assert issued.json()["scope"] == "scim"


def test_no_token_is_a_401_scim_error_with_a_bearer_challenge(client: Client) -> None:
    response = client.get(f"{BASE}/Users")
    assert error_of(response) == (401, None)
    assert parse_challenge(response["WWW-Authenticate"])[0] == "Bearer"


def test_a_token_without_the_scim_scope_is_a_403(client: Client) -> None:
    token = scim_token(provisioning_client(), scope="read write groups")
    response = Scim(client, token).get("/Users")
    assert error_of(response) == (403, None)
    assert 'scope="scim"' in response["WWW-Authenticate"]


def test_the_scim_scope_alone_reads_and_writes(client: Client) -> None:
    scim = Scim(client, scim_token(provisioning_client()))
    assert scim.get("/Users").status_code == 200
    assert scim.post("/Groups", {"displayName": "ops"}).status_code == 201


def test_an_owner_without_permissions_gets_a_403_and_changes_nothing(client: Client) -> None:
    scim = Scim(client, scim_token(provisioning_client(perms=[])))
    response = scim.post("/Users", {"userName": "mallory"})
    assert error_of(response) == (403, None)
    assert not User.objects.filter(username="mallory").exists()


def test_an_inactive_owner_or_an_application_without_one_acts_for_nobody(client: Client) -> None:
    application = provisioning_client()
    scim = Scim(client, scim_token(application))
    application.user.is_active = False
    application.user.save()
    assert error_of(scim.get("/Users")) == (401, None)
    application.user = None
    application.save()
    assert error_of(scim.get("/Users")) == (401, None)


def test_a_client_credentials_token_of_another_grant_type_is_refused(client: Client) -> None:
    application = provisioning_client()
    application.authorization_grant_type = Application.GRANT_PASSWORD
    application.save()
    assert error_of(Scim(client, scim_token(application)).get("/Users")) == (401, None)


def test_a_users_token_with_the_scim_scope_acts_for_its_user(client: Client) -> None:
    user = UserFactory.create(permissions=["auth.view_user"])
    token = AccessTokenFactory.create(user=user, scope="scim")
    assert Scim(client, token).get("/Users").status_code == 200
    assert error_of(Scim(client, token).post("/Groups", {"displayName": "x"})) == (403, None)


def test_unknown_paths_and_methods_are_scim_errors(client: Client) -> None:
    scim = Scim(client, scim_token(provisioning_client()))
    assert error_of(scim.get("/Nope")) == (404, None)
    assert error_of(scim.get("/Users/999999")) == (404, None)
    assert error_of(scim.get("/Users/abc")) == (404, None)
    response = scim.delete("/Users")
    assert error_of(response) == (405, None)
    assert response["Allow"] == "GET, HEAD, POST"


def test_a_body_that_is_not_json_or_not_scim_media_is_a_scim_error(client: Client) -> None:
    scim = Scim(client, scim_token(provisioning_client()))
    broken = client.post(f"{BASE}/Users", "{", content_type=SCIM, headers=scim.headers)
    assert error_of(broken) == (400, "invalidSyntax")
    form = client.post(
        f"{BASE}/Users", "userName=x", content_type="text/plain", headers=scim.headers
    )
    assert error_of(form) == (415, None)
    plain_json = client.post(
        f"{BASE}/Users",
        '{"userName": "bob"}',
        content_type="application/json",
        headers=scim.headers,
    )
    assert plain_json.status_code == 201
