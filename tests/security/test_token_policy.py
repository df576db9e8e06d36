"""Token lifetimes, rotation, revocation, cleanup and transport (RFC 6750 §2, RFC 9700 §4)."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from tests.factories import PASSWORD, AccessTokenFactory, UserFactory
from tests.helpers import parse_challenge
from tests.security.conftest import OAuthClient

pytestmark = pytest.mark.django_db


def issue(client: Client, oauth_client: OAuthClient, user: User) -> dict[str, Any]:
    response = oauth_client.password_grant(client, user.username, PASSWORD)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def refresh(client: Client, oauth_client: OAuthClient, refresh_token: str) -> int:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return oauth_client.token(client, data).status_code


def api_status(client: Client, access_token: str) -> int:
    return client.get("/users/me/", headers={"Authorization": f"Bearer {access_token}"}).status_code


def test_access_tokens_live_one_hour(client: Client, oauth_client: OAuthClient) -> None:
    body = issue(client, oauth_client, UserFactory.create())
    assert body["expires_in"] == 3600
    token = AccessToken.objects.get()
    lifetime = token.expires - timezone.now()
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


def test_tokens_are_stored_only_as_checksums(client: Client, oauth_client: OAuthClient) -> None:
    body = issue(client, oauth_client, UserFactory.create())
    assert AccessToken.objects.get().token == ""
    assert RefreshToken.objects.get().token == ""
    assert api_status(client, body["access_token"]) == 200


def test_a_refresh_rotates_and_the_old_refresh_token_is_refused(
    client: Client, oauth_client: OAuthClient
) -> None:
    first = issue(client, oauth_client, UserFactory.create())
    second = oauth_client.token(
        client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert refresh(client, oauth_client, first["refresh_token"]) == 400


def test_replaying_a_rotated_refresh_token_revokes_its_whole_family(
    client: Client, oauth_client: OAuthClient
) -> None:
    """RFC 9700 §4.14.2: reuse of a rotated refresh token signals theft; the successor dies."""
    first = issue(client, oauth_client, UserFactory.create())
    second = oauth_client.token(
        client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert refresh(client, oauth_client, first["refresh_token"]) == 400
    assert refresh(client, oauth_client, second["refresh_token"]) == 400


def test_a_refresh_token_dies_fourteen_days_after_its_access_token_expired(
    client: Client, oauth_client: OAuthClient
) -> None:
    """DOT slides the refresh lifetime with use: an idle session ends after 14 days."""
    body = issue(client, oauth_client, UserFactory.create())
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=14, seconds=1))
    assert refresh(client, oauth_client, body["refresh_token"]) == 400


def test_a_refresh_token_works_within_fourteen_days_of_idleness(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(client, oauth_client, UserFactory.create())
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=13, hours=23))
    assert refresh(client, oauth_client, body["refresh_token"]) == 200


def test_a_revoked_access_token_is_refused_at_once(
    client: Client, oauth_client: OAuthClient
) -> None:
    body = issue(client, oauth_client, UserFactory.create())
    assert api_status(client, body["access_token"]) == 200
    response = client.post(
        "/o/revoke_token/", {"token": body["access_token"]}, headers=oauth_client.basic()
    )
    assert response.status_code == 200
    assert api_status(client, body["access_token"]) == 401
    # RFC 7009 §2.1: DOT revokes the bound refresh token too.
    assert refresh(client, oauth_client, body["refresh_token"]) == 400


def test_a_revoked_refresh_token_cannot_be_used(client: Client, oauth_client: OAuthClient) -> None:
    body = issue(client, oauth_client, UserFactory.create())
    response = client.post(
        "/o/revoke_token/",
        {"token": body["refresh_token"], "token_type_hint": "refresh_token"},
        headers=oauth_client.basic(),
    )
    assert response.status_code == 200
    assert refresh(client, oauth_client, body["refresh_token"]) == 400
    assert api_status(client, body["access_token"]) == 401


def test_a_deactivated_user_can_neither_use_nor_refresh_tokens(
    client: Client, oauth_client: OAuthClient
) -> None:
    user = UserFactory.create()
    body = issue(client, oauth_client, user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_status(client, body["access_token"]) == 401
    assert refresh(client, oauth_client, body["refresh_token"]) == 400
    assert oauth_client.password_grant(client, user.username, PASSWORD).status_code == 400


def test_cleartokens_deletes_expired_tokens_and_keeps_live_ones(
    client: Client, oauth_client: OAuthClient
) -> None:
    live = issue(client, oauth_client, UserFactory.create())
    idle = issue(client, oauth_client, UserFactory.create())
    expired = AccessTokenFactory.create(expires=timezone.now() - timedelta(seconds=1))
    idle_access = AccessToken.objects.exclude(pk=expired.pk).order_by("-pk").first()
    assert idle_access is not None
    AccessToken.objects.filter(pk=idle_access.pk).update(
        expires=timezone.now() - timedelta(days=15)
    )

    call_command("cleartokens", stdout=StringIO(), stderr=StringIO())

    assert not AccessToken.objects.filter(pk__in=[expired.pk, idle_access.pk]).exists()
    assert RefreshToken.objects.count() == 1
    assert api_status(client, live["access_token"]) == 200
    assert refresh(client, oauth_client, live["refresh_token"]) == 200
    assert refresh(client, oauth_client, idle["refresh_token"]) == 400


def test_a_token_in_the_query_string_is_refused(client: Client) -> None:
    token = AccessTokenFactory.create().token
    response = client.get(f"/users/?access_token={token}")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Send the access token in the Authorization header, not in the URL."
    }
    scheme, params = parse_challenge(response["WWW-Authenticate"])
    assert (scheme, params["error"]) == ("Bearer", "invalid_request")


def test_a_token_in_the_query_string_is_refused_even_beside_a_valid_header(
    client: Client,
) -> None:
    """RFC 6750 §2: a client must not use more than one method; RFC 9700 §4.3.2."""
    token = AccessTokenFactory.create().token
    response = client.get(
        f"/users/?access_token={token}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
