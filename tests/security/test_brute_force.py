"""Repeated failed logins on /o/token/, the admin and the sign-in page are throttled
(django-axes, database-backed): a username together with the caller's address, the address on
its own at a far higher limit, and an OAuth2 client; others keep logging in."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from identity.throttle import CLIENT_KEY_PREFIX
from tests.factories import PASSWORD, ApplicationFactory, SuperuserFactory, UserFactory
from tests.helpers import Response
from tests.security.conftest import CLIENT_SECRET, OAuthClient

pytestmark = pytest.mark.django_db

LIMIT = 5
ADDRESS_LIMIT = 12
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _limits(settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def assert_throttled(response: Response) -> None:
    assert response.status_code == 429
    assert response.json() == {
        "error": "access_denied",
        "error_description": "Too many failed login attempts. Try again later.",
        "detail": "Too many failed login attempts. Try again later.",
    }
    assert response["Retry-After"] == "900"


@dataclass(frozen=True)
class LoginPath:
    """One way in with a username and a password, the same policy behind each."""

    send: Callable[[str, str, str], Response]  # (username, password, address)
    user: Callable[[], User]  # someone who may sign in there
    succeeded: Callable[[Response], bool]
    refused: Callable[[Response], bool]  # a wrong password, answered as such (not 429)

    def fail(self, username: str, addr: str) -> None:
        response = self.send(username, WRONG, addr)
        assert self.refused(response), (response.status_code, response.content[:200])

    def sign_in(self, user: User, addr: str) -> Response:
        return self.send(user.username, PASSWORD, addr)


def browser_login(path: str) -> Callable[[str, str, str], Response]:
    # A new browser each time: a session signed in by an earlier step must not count.
    return lambda username, password, addr: Client().post(
        path, {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def redirects_to(location: str) -> Callable[[Response], bool]:
    return lambda response: response.status_code == 302 and response["Location"] == location


@pytest.fixture(params=["token", "admin", "sign-in"])
def login(request: pytest.FixtureRequest, client: Client, oauth_client: OAuthClient) -> LoginPath:
    if request.param == "token":
        return LoginPath(
            send=lambda u, p, addr: oauth_client.password_grant(client, u, p, remote_addr=addr),
            user=UserFactory.create,
            succeeded=lambda r: r.status_code == 200 and "access_token" in r.json(),
            refused=lambda r: r.status_code == 400 and r.json()["error"] == "invalid_grant",
        )
    if request.param == "admin":
        return LoginPath(
            send=browser_login("/admin/login/?next=/admin/"),
            user=SuperuserFactory.create,  # the admin signs in staff only
            succeeded=redirects_to("/admin/"),
            refused=lambda r: r.status_code == 200,  # the form again, with an error
        )
    return LoginPath(
        send=browser_login("/accounts/login/"),
        user=UserFactory.create,
        succeeded=redirects_to("/docs"),
        refused=lambda r: r.status_code == 200,
    )


def test_a_username_is_locked_from_the_address_that_guessed_its_password(
    login: LoginPath,
) -> None:
    victim = login.user()
    for _ in range(LIMIT - 1):
        login.fail(victim.username, "10.0.0.1")
    # The failure that reaches the limit is answered 429 already, then even the right password.
    assert_throttled(login.send(victim.username, WRONG, "10.0.0.1"))
    assert_throttled(login.sign_in(victim, "10.0.0.1"))


def test_the_locked_username_still_signs_in_from_another_address(login: LoginPath) -> None:
    """The lock is per username and address: a lock on the username alone would let anyone
    who knows it lock its owner out from everywhere (and, behind a shared NAT or proxy, one
    caller would lock out everybody). A guesser with many addresses gets LIMIT guesses each."""
    victim = login.user()
    for _ in range(LIMIT):
        login.send(victim.username, WRONG, "10.0.0.1")
    assert login.succeeded(login.sign_in(victim, "10.0.0.2"))


def test_usernames_that_differ_only_in_case_share_a_counter(login: LoginPath) -> None:
    victim = login.user()
    spellings = [victim.username.upper(), victim.username.capitalize(), victim.username]
    for n in range(LIMIT - 1):
        login.fail(spellings[n % len(spellings)], "10.0.0.3")
    assert_throttled(login.send(victim.username.title(), WRONG, "10.0.0.3"))
    assert_throttled(login.sign_in(victim, "10.0.0.3"))


def test_password_spraying_locks_the_address_at_its_own_higher_limit(login: LoginPath) -> None:
    """One wrong password for many usernames from one address: below ADDRESS_LIMIT the others
    who share the address keep signing in (their own success does not reset the address's
    count); at ADDRESS_LIMIT the address is locked, other addresses are not."""
    targets = UserFactory.create_batch(ADDRESS_LIMIT)
    for target in targets[:-1]:
        login.fail(target.username, "10.0.0.4")
    assert login.succeeded(login.sign_in(login.user(), "10.0.0.4"))
    assert_throttled(login.send(targets[-1].username, WRONG, "10.0.0.4"))
    assert_throttled(login.sign_in(login.user(), "10.0.0.4"))
    assert login.succeeded(login.sign_in(login.user(), "10.0.0.5"))


def test_other_users_still_log_in_while_one_username_is_locked(
    client: Client, oauth_client: OAuthClient
) -> None:
    victim, bystander = UserFactory.create(), UserFactory.create()
    for _ in range(LIMIT):
        oauth_client.password_grant(client, victim.username, WRONG, remote_addr="10.0.0.1")
    response = oauth_client.password_grant(
        client, bystander.username, PASSWORD, remote_addr="10.0.0.1"
    )
    assert response.status_code == 200
    assert "access_token" in response.json()


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
    for _ in range(LIMIT):
        oauth_client.password_grant(client, victim.username, WRONG, remote_addr="10.0.0.5")
    assert_throttled(
        oauth_client.password_grant(client, victim.username, PASSWORD, remote_addr="10.0.0.5")
    )
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


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(
    client: Client, oauth_client: OAuthClient, settings: Settings
) -> None:
    settings.BEHIND_TLS_PROXY = True
    user = UserFactory.create()

    def grant(password: str, forwarded_for: str) -> Response:
        return client.post(
            "/o/token/",
            {"grant_type": "password", "username": user.username, "password": password},
            headers={**oauth_client.basic(), "X-Forwarded-For": forwarded_for},
            REMOTE_ADDR="10.0.0.254",
        )

    for n in range(LIMIT):
        # The client forges the left entry each time; the proxy appends the real address.
        grant(WRONG, f"1.2.3.{n}, 203.0.113.7")
    assert_throttled(grant(PASSWORD, "203.0.113.7"))
    # Everybody reaches the app from the proxy's address: only the guesser's address is locked.
    assert grant(PASSWORD, "198.51.100.1").status_code == 200


def test_a_username_spelled_as_a_client_key_does_not_lock_that_client(
    client: Client, oauth_client: OAuthClient
) -> None:
    """A failed client authentication is counted under the client, from every address; a
    username typed into a login form never shares that counter, whatever its spelling."""
    # All lower case, like the Swagger UI client's id: usernames are counted in lower case.
    victim = OAuthClient(
        ApplicationFactory.create(client_id="victim-app", client_secret=CLIENT_SECRET)
    )
    key = CLIENT_KEY_PREFIX + victim.client_id
    for n, username in enumerate([key, key.lower()] * LIMIT):
        oauth_client.password_grant(client, username, WRONG, remote_addr=f"10.6.0.{n}")
        Client().post(
            "/accounts/login/", {"username": username, "password": WRONG}, REMOTE_ADDR=f"10.6.1.{n}"
        )
    user = UserFactory.create()
    response = victim.password_grant(client, user.username, PASSWORD, remote_addr="10.6.2.1")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/o/revoke_token/", "/o/introspect/"])
def test_client_secrets_cannot_be_guessed_through_other_endpoints(
    client: Client, oauth_client: OAuthClient, path: str
) -> None:
    for n in range(LIMIT - 1):
        response = client.post(
            path, {"token": "x"}, headers=oauth_client.basic("wrong"), REMOTE_ADDR=f"10.4.0.{n}"
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    assert_throttled(client.post(path, {"token": "x"}, headers=oauth_client.basic("wrong")))
    # The lock is the client's, on every endpoint.
    user = UserFactory.create()
    assert_throttled(
        oauth_client.password_grant(client, user.username, PASSWORD, remote_addr="10.4.1.1")
    )
