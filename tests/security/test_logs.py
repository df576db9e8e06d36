"""Tokens, client secrets and passwords never reach the logs, whatever the level."""

import logging

import pytest
from django.conf import settings as django_settings
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import UserFactory
from tests.security.conftest import CLIENT_SECRET, OAuthClient

pytestmark = pytest.mark.django_db

PASSWORD = "Log-Test-Passphrase-31"
NEW_PASSWORD = "Log-Test-Passphrase-32"
WRONG_PASSWORD = "Log-Test-Wrong-Passphrase-33"
# Every logger at DEBUG, except those the settings pin higher because they print secrets.
LOGGERS = [
    "",
    "django",
    "django.request",
    "django.db.backends",
    "django.server",
    "oauthlib",
    "oauth2_provider",
    "axes",
    "ninja",
]


PINNED = {name for name, config in django_settings.LOGGING["loggers"].items() if "level" in config}


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        if name not in PINNED:
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def rendered(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    # factory_boy's own DEBUG lines (test data set-up) are not the service's logs.
    for record in (r for r in caplog.records if not r.name.startswith("factory")):
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        lines.append(repr(getattr(record, "request", "")))
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_the_full_flow_logs_no_secret(
    client: Client,
    oauth_client: OAuthClient,
    settings: Settings,
    everything: pytest.LogCaptureFixture,
    debug: bool,
) -> None:
    settings.DEBUG = debug
    user = UserFactory.create(password=PASSWORD, permissions=["auth.change_user"])
    secrets = [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, CLIENT_SECRET]

    assert oauth_client.password_grant(client, user.username, WRONG_PASSWORD).status_code == 400
    assert (
        oauth_client.password_grant(
            client, user.username, PASSWORD, secret="bad-secret"
        ).status_code
        == 401
    )
    issued = oauth_client.password_grant(client, user.username, PASSWORD).json()
    secrets += [issued["access_token"], issued["refresh_token"]]
    headers = {"Authorization": f"Bearer {issued['access_token']}"}

    assert client.get("/users/me/", headers=headers).status_code == 200
    # Refused before any lookup; the URL itself is in every access log on the way, which is
    # why RFC 9700 §4.3.2 forbids it (README "Security").
    assert client.get("/users/?access_token=not-a-secret").status_code == 400
    assert client.get("/users/", headers={"Authorization": "Basic " + "x" * 20}).status_code == 401
    assert (
        client.get(
            "/users/", headers={"Authorization": f"Bearer {issued['access_token']}x"}
        ).status_code
        == 401
    )
    changed = client.patch(
        f"/users/{user.pk}/",
        {"password": NEW_PASSWORD, "current_password": PASSWORD},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 200
    # The change revoked the user's tokens (README "Token policy"): sign in again.
    issued = oauth_client.password_grant(client, user.username, NEW_PASSWORD).json()
    secrets += [issued["access_token"], issued["refresh_token"]]
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    weak = client.post(
        "/users/",
        {"username": "weak", "password": "123"},
        content_type="application/json",
        headers=headers,
    )
    assert weak.status_code in (403, 422)

    refreshed = oauth_client.token(
        client, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    ).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    assert (
        oauth_client.token(
            client, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        ).status_code
        == 400
    )
    revoked = client.post(
        "/o/revoke_token/", {"token": refreshed["access_token"]}, headers=oauth_client.basic()
    )
    assert revoked.status_code == 200
    stale = {"Authorization": f"Bearer {refreshed['access_token']}"}
    assert client.get("/users/me/", headers=stale).status_code == 401

    logs = rendered(everything)
    assert everything.records, "nothing was captured: the test would prove nothing"
    assert [secret for secret in secrets if secret in logs] == []
