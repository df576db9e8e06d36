"""The current password typed to confirm one's own password change (the API's
`current_password`, the browser and admin password pages) is checked as a sign-in is: each
wrong one counts toward the lockout of the username and the caller's address, so a stolen
token or session cannot guess the password it would replace."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from tests.conftest import BearerFactory
from tests.factories import PASSWORD, UserFactory
from tests.helpers import Response
from tests.security.conftest import OAuthClient

pytestmark = pytest.mark.django_db

LIMIT = 3
NEW_PASSWORD = "Another-Horse-Battery-7"
WRONG = "not-the-password"
THROTTLED = "Too many failed login attempts. Try again later."
# The lockout's answer wherever it happens (identity.throttle.lockout_response).
LOCKED_OUT = {"error": "access_denied", "error_description": THROTTLED, "detail": THROTTLED}
ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


@pytest.fixture(autouse=True)
def _limits(settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def change_through_api(
    client: Client, user: User, headers: dict[str, str], current: str, addr: str
) -> Response:
    body = {"password": NEW_PASSWORD, "current_password": current}
    return client.patch(
        f"/users/{user.pk}/",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=addr,
    )


def still_has_its_password(user: User) -> bool:
    user.refresh_from_db()
    return user.check_password(PASSWORD)


def test_wrong_current_passwords_through_the_api_lock_at_the_limit(
    client: Client, bearer: BearerFactory
) -> None:
    user = UserFactory.create()
    stolen = bearer(user=user)
    for _ in range(LIMIT - 1):
        response = change_through_api(client, user, stolen, WRONG, ATTACKER)
        assert response.status_code == 422
    locked = change_through_api(client, user, stolen, WRONG, ATTACKER)
    assert (locked.status_code, locked.json()) == (429, LOCKED_OUT)
    assert locked["Retry-After"] == "900"
    right = change_through_api(client, user, stolen, PASSWORD, ATTACKER)
    assert right.status_code == 429
    assert still_has_its_password(user)
    # The lock is on the username from that address: the owner, elsewhere, is not locked out.
    assert change_through_api(client, user, bearer(user=user), PASSWORD, OWNER).status_code == 200


def test_a_missing_current_password_is_no_guess_and_counts_nothing(
    client: Client, bearer: BearerFactory
) -> None:
    user = UserFactory.create()
    headers = bearer(user=user)
    for _ in range(LIMIT + 1):
        response = client.patch(
            f"/users/{user.pk}/",
            json.dumps({"password": NEW_PASSWORD}),
            content_type="application/json",
            headers=headers,
            REMOTE_ADDR=ATTACKER,
        )
        assert response.status_code == 422
    assert change_through_api(client, user, headers, PASSWORD, ATTACKER).status_code == 200


def test_api_guesses_and_sign_in_failures_share_one_counter(
    client: Client, bearer: BearerFactory, oauth_client: OAuthClient
) -> None:
    user = UserFactory.create()
    for _ in range(LIMIT - 1):
        response = oauth_client.password_grant(client, user.username, WRONG, remote_addr=ATTACKER)
        assert response.status_code == 400
    locked = change_through_api(client, user, bearer(user=user), WRONG, ATTACKER)
    assert locked.status_code == 429
    token = oauth_client.password_grant(client, user.username, PASSWORD, remote_addr=ATTACKER)
    assert token.status_code == 429


def test_changing_another_users_password_asks_no_current_password_and_counts_nothing(
    client: Client, bearer: BearerFactory
) -> None:
    target = UserFactory.create()
    manager = bearer(perms=["auth.change_user"])
    for _ in range(LIMIT + 1):
        response = change_through_api(client, target, manager, WRONG, ATTACKER)
        assert response.status_code == 200


@pytest.mark.parametrize(
    "page", ["/accounts/password_change/", "/admin/password_change/"], ids=["browser", "admin"]
)
def test_wrong_old_passwords_on_a_password_page_lock_at_the_limit(page: str) -> None:
    user = UserFactory.create(is_staff=True)
    browser = Client(REMOTE_ADDR=ATTACKER)
    browser.force_login(user)

    def change(old: str) -> Response:
        form = {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        return browser.post(page, form)

    for _ in range(LIMIT - 1):
        response = change(WRONG)
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    for old in (WRONG, PASSWORD):
        locked = change(old)
        assert (locked.status_code, locked.json()) == (429, LOCKED_OUT)
    assert still_has_its_password(user)
    assert (
        Client(REMOTE_ADDR=OWNER)
        .post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        .status_code
        == 302
    )
