"""Repeated failed logins on /o/token/ and the admin are throttled (django-axes, database-backed):
by username, by OAuth2 client and by address; others keep logging in."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.factories import PASSWORD, SuperuserFactory, UserFactory
from tests.helpers import Response
from tests.security.conftest import CLIENT_SECRET, OAuthClient

pytestmark = pytest.mark.django_db

LIMIT = 5
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _limits(settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def assert_throttled(response: Response) -> None:
    assert response.status_code == 429
    assert response.json() == {
        "error": "access_denied",
        "error_description": "Too many failed login attempts. Try again later.",
        "detail": "Too many failed login attempts. Try again later.",
    }
    assert response["Retry-After"] == "900"


def fail_passwords(client: Client, oauth_client: OAuthClient, user: User, addr: str) -> None:
    """LIMIT wrong passwords: the last one is already answered 429."""
    for _ in range(LIMIT - 1):
        response = oauth_client.password_grant(client, user.username, WRONG, remote_addr=addr)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    assert_throttled(oauth_client.password_grant(client, user.username, WRONG, remote_addr=addr))


def test_a_username_is_locked_after_repeated_wrong_passwords_from_anywhere(
    client: Client, oauth_client: OAuthClient
) -> None:
    victim = UserFactory.create()
    fail_passwords(client, oauth_client, victim, "10.0.0.1")
    # Even the right password, from another address, waits for the cool-off.
    assert_throttled(
        oauth_client.password_grant(client, victim.username, PASSWORD, remote_addr="10.0.0.2")
    )


def test_other_users_still_log_in_while_one_username_is_locked(
    client: Client, oauth_client: OAuthClient
) -> None:
    victim, bystander = UserFactory.create(), UserFactory.create()
    fail_passwords(client, oauth_client, victim, "10.0.0.1")
    response = oauth_client.password_grant(
        client, bystander.username, PASSWORD, remote_addr="10.0.0.2"
    )
    assert response.status_code == 200
    assert "access_token" in response.json()


def test_an_address_is_locked_after_failures_across_usernames(
    client: Client, oauth_client: OAuthClient
) -> None:
    """Password spraying: one wrong password for many usernames from one address."""
    for user in UserFactory.create_batch(LIMIT):
        oauth_client.password_grant(client, user.username, WRONG, remote_addr="10.0.0.3")
    fresh = UserFactory.create()
    assert_throttled(
        oauth_client.password_grant(client, fresh.username, PASSWORD, remote_addr="10.0.0.3")
    )
    ok = oauth_client.password_grant(client, fresh.username, PASSWORD, remote_addr="10.0.0.4")
    assert ok.status_code == 200


def test_a_client_is_locked_after_repeated_wrong_secrets(
    client: Client, oauth_client: OAuthClient, other_oauth_client: OAuthClient
) -> None:
    user = UserFactory.create()
    for n in range(LIMIT - 1):
        response = oauth_client.password_grant(
            client, user.username, PASSWORD, secret="wrong", remote_addr=f"10.1.0.{n}"
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    assert_throttled(oauth_client.password_grant(client, user.username, PASSWORD, secret="wrong"))
    assert_throttled(
        oauth_client.password_grant(client, user.username, PASSWORD, remote_addr="10.1.1.1")
    )
    other = other_oauth_client.password_grant(
        client, user.username, PASSWORD, remote_addr="10.1.1.2"
    )
    assert other.status_code == 200


def test_a_client_id_sent_in_the_form_is_throttled_too(
    client: Client, oauth_client: OAuthClient
) -> None:
    user = UserFactory.create()
    data = {
        "grant_type": "password",
        "username": user.username,
        "password": PASSWORD,
        "client_id": oauth_client.client_id,
        "client_secret": "wrong",
    }
    for n in range(LIMIT - 1):
        assert client.post("/o/token/", data, REMOTE_ADDR=f"10.2.0.{n}").status_code == 401
    assert_throttled(client.post("/o/token/", data, REMOTE_ADDR="10.2.0.9"))
    data["client_secret"] = CLIENT_SECRET
    assert_throttled(client.post("/o/token/", data, REMOTE_ADDR="10.2.1.1"))


def test_the_lock_lifts_after_the_cool_off(client: Client, oauth_client: OAuthClient) -> None:
    victim = UserFactory.create()
    fail_passwords(client, oauth_client, victim, "10.0.0.5")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = oauth_client.password_grant(
        client, victim.username, PASSWORD, remote_addr="10.0.0.5"
    )
    assert response.status_code == 200


def test_fewer_failures_than_the_limit_do_not_lock(
    client: Client, oauth_client: OAuthClient
) -> None:
    user = UserFactory.create()
    for _ in range(LIMIT - 1):
        oauth_client.password_grant(client, user.username, WRONG)
    assert oauth_client.password_grant(client, user.username, PASSWORD).status_code == 200


def test_attempt_records_hold_no_secrets(client: Client, oauth_client: OAuthClient) -> None:
    user = UserFactory.create()
    oauth_client.password_grant(client, user.username, "very-secret-wrong-password")
    client.post(
        "/o/token/",
        {
            "grant_type": "password",
            "username": user.username,
            "password": "another-secret-password",
            "client_id": oauth_client.client_id,
            "client_secret": CLIENT_SECRET,
        },
    )
    for attempt in AccessAttempt.objects.all():
        stored = f"{attempt.get_data} {attempt.post_data}"
        assert "very-secret-wrong-password" not in stored
        assert "another-secret-password" not in stored
        assert CLIENT_SECRET not in stored


def admin_login(client: Client, username: str, password: str, addr: str) -> Response:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=addr,
    )


def test_the_admin_login_is_locked_after_repeated_failures(client: Client) -> None:
    admin = SuperuserFactory.create()
    for _ in range(LIMIT - 1):
        response = admin_login(client, admin.username, WRONG, "10.3.0.1")
        assert response.status_code == 200  # the form again, with an error
    assert_throttled(admin_login(client, admin.username, WRONG, "10.3.0.1"))
    assert_throttled(admin_login(client, admin.username, PASSWORD, "10.3.0.2"))


def test_other_admins_still_log_in_while_one_is_locked(client: Client) -> None:
    victim, other = SuperuserFactory.create(), SuperuserFactory.create()
    for _ in range(LIMIT):
        admin_login(client, victim.username, WRONG, "10.3.0.3")
    response = admin_login(client, other.username, PASSWORD, "10.3.0.4")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(
    client: Client, oauth_client: OAuthClient, settings: Settings
) -> None:
    settings.BEHIND_TLS_PROXY = True
    user = UserFactory.create()
    for n in range(LIMIT):
        # The client forges the left entry each time; the proxy appends the real address.
        client.post(
            "/o/token/",
            {"grant_type": "password", "username": f"nobody{n}", "password": WRONG},
            headers={**oauth_client.basic(), "X-Forwarded-For": f"1.2.3.{n}, 203.0.113.7"},
            REMOTE_ADDR="10.0.0.254",
        )
    locked = client.post(
        "/o/token/",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
        headers={**oauth_client.basic(), "X-Forwarded-For": "203.0.113.7"},
        REMOTE_ADDR="10.0.0.254",
    )
    assert_throttled(locked)
    elsewhere = client.post(
        "/o/token/",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
        headers={**oauth_client.basic(), "X-Forwarded-For": "198.51.100.1"},
        REMOTE_ADDR="10.0.0.254",
    )
    assert elsewhere.status_code == 200


@pytest.mark.parametrize(("path", "failure"), [("/o/revoke_token/", 401), ("/o/introspect/", 403)])
def test_client_secrets_cannot_be_guessed_through_other_endpoints(
    client: Client, oauth_client: OAuthClient, path: str, failure: int
) -> None:
    for n in range(LIMIT - 1):
        response = client.post(
            path, {"token": "x"}, headers=oauth_client.basic("wrong"), REMOTE_ADDR=f"10.4.0.{n}"
        )
        assert response.status_code == failure
    assert_throttled(client.post(path, {"token": "x"}, headers=oauth_client.basic("wrong")))
    # The lock is the client's, on every endpoint.
    user = UserFactory.create()
    assert_throttled(
        oauth_client.password_grant(client, user.username, PASSWORD, remote_addr="10.4.1.1")
    )
