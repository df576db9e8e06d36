"""A password change and a deactivation revoke the user's tokens, on every path that makes
them (RFC 9700 §4.14.2), and end the user's other browser sessions."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import PASSWORD, PublicClientFactory, UserFactory
from tests.helpers import Response
from tests.security.conftest import OAuthClient
from tests.test_sign_in import authorize_url, code_from, consent, exchange, pkce_pair

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Horse-Battery-7"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str


def issue(
    client: Client, oauth_client: OAuthClient, user: User, password: str = PASSWORD
) -> Tokens:
    response = oauth_client.password_grant(client, user.username, password)
    assert response.status_code == 200, response.content
    body = response.json()
    return Tokens(body["access_token"], body["refresh_token"])


def api_status(client: Client, tokens: Tokens) -> int:
    return client.get("/users/", headers={"Authorization": f"Bearer {tokens.access}"}).status_code


def refresh(client: Client, oauth_client: OAuthClient, tokens: Tokens) -> Response:
    return oauth_client.token(
        client, {"grant_type": "refresh_token", "refresh_token": tokens.refresh}
    )


def assert_revoked(client: Client, oauth_client: OAuthClient, tokens: Tokens) -> None:
    assert api_status(client, tokens) == 401
    response = refresh(client, oauth_client, tokens)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def assert_live(client: Client, oauth_client: OAuthClient, tokens: Tokens) -> None:
    assert api_status(client, tokens) == 200
    assert refresh(client, oauth_client, tokens).status_code == 200


def patch(client: Client, user: User, data: dict[str, Any], access: str) -> Response:
    return client.patch(
        f"/users/{user.pk}/",
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {access}"},
    )


def staff(*perms: str) -> User:
    return UserFactory.create(is_staff=True, permissions=list(perms))


class TestPasswordChangeThroughTheApi:
    def test_ones_own_change_revokes_every_token_of_the_user_the_requesting_one_too(
        self, client: Client, oauth_client: OAuthClient, other_oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        requesting = issue(client, oauth_client, user)
        elsewhere = issue(client, other_oauth_client, user)
        change = {"password": NEW_PASSWORD, "current_password": PASSWORD}

        response = patch(client, user, change, requesting.access)

        assert response.status_code == 200
        assert response.json()["username"] == user.username
        assert_revoked(client, oauth_client, requesting)
        assert_revoked(client, other_oauth_client, elsewhere)
        assert api_status(client, issue(client, oauth_client, user, NEW_PASSWORD)) == 200

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_a_change_by_another_user_revokes_the_targets_tokens_not_the_actors(
        self, client: Client, oauth_client: OAuthClient, method: str
    ) -> None:
        target = UserFactory.create()
        targets = issue(client, oauth_client, target)
        actor = UserFactory.create(permissions=["auth.change_user"])
        actors = issue(client, oauth_client, actor)
        fields = ("username", "email", "first_name", "last_name", "is_active")
        profile = {f: getattr(target, f) for f in fields}

        response = getattr(client, method)(
            f"/users/{target.pk}/",
            json.dumps({**profile, "password": NEW_PASSWORD}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {actors.access}"},
        )

        assert response.status_code == 200
        assert_revoked(client, oauth_client, targets)
        assert_live(client, oauth_client, actors)

    @pytest.mark.parametrize(
        "change",
        [
            {"password": NEW_PASSWORD, "current_password": "wrong"},
            {"password": "abc", "current_password": PASSWORD},
        ],
        ids=["wrong current password", "weak password"],
    )
    def test_a_refused_change_revokes_nothing(
        self, client: Client, oauth_client: OAuthClient, change: dict[str, str]
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        assert patch(client, user, change, tokens.access).status_code == 422
        assert_live(client, oauth_client, tokens)

    def test_a_change_that_ends_in_a_conflict_is_rolled_back_with_its_revocation(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        """The revocation runs before the UPDATE that fails: both roll back together."""
        UserFactory.create(username="taken")
        target = UserFactory.create()
        tokens = issue(client, oauth_client, target)
        actor = issue(client, oauth_client, UserFactory.create(permissions=["auth.change_user"]))

        response = patch(
            client, target, {"username": "taken", "password": NEW_PASSWORD}, actor.access
        )

        assert response.status_code == 409
        target.refresh_from_db()
        assert target.check_password(PASSWORD)
        assert_live(client, oauth_client, tokens)

    def test_a_profile_change_revokes_nothing(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        assert patch(client, user, {"first_name": "Renamed"}, tokens.access).status_code == 200
        assert_live(client, oauth_client, tokens)


class TestDeactivation:
    def test_deactivating_through_the_api_revokes_and_reactivating_revives_nothing(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        target = UserFactory.create()
        tokens = issue(client, oauth_client, target)
        actor = issue(client, oauth_client, UserFactory.create(permissions=["auth.change_user"]))

        assert patch(client, target, {"is_active": False}, actor.access).status_code == 200
        assert patch(client, target, {"is_active": True}, actor.access).status_code == 200

        assert_revoked(client, oauth_client, tokens)
        assert api_status(client, issue(client, oauth_client, target)) == 200

    def test_deactivating_in_the_admin_change_form_revokes_and_reactivating_revives_nothing(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        target = UserFactory.create()
        tokens = issue(client, oauth_client, target)
        client.force_login(staff("auth.change_user"))
        form = {
            "username": target.username,
            "first_name": target.first_name,
            "last_name": target.last_name,
            "email": target.email,
            "date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": target.date_joined.strftime("%H:%M:%S"),
        }
        url = f"/admin/auth/user/{target.pk}/change/"

        assert client.post(url, form).status_code == 302  # is_active unticked
        target.refresh_from_db()
        assert not target.is_active
        assert client.post(url, {**form, "is_active": "on"}).status_code == 302
        target.refresh_from_db()
        assert target.is_active

        assert_revoked(client, oauth_client, tokens)


class TestPasswordChangeInTheAdmin:
    def test_the_password_page_of_a_user_revokes_that_users_tokens(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        target = UserFactory.create()
        tokens = issue(client, oauth_client, target)
        operator = staff("auth.change_user")
        operators = issue(client, oauth_client, operator)
        client.force_login(operator)

        response = client.post(
            f"/admin/auth/user/{target.pk}/password/",
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

        assert response.status_code == 302
        assert_revoked(client, oauth_client, tokens)
        assert_live(client, oauth_client, operators)

    def test_disabling_password_based_authentication_revokes_the_users_tokens(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        target = UserFactory.create()
        tokens = issue(client, oauth_client, target)
        client.force_login(staff("auth.change_user"))

        response = client.post(
            f"/admin/auth/user/{target.pk}/password/",
            {"usable_password": "false", "unset-password": "1"},
        )

        assert response.status_code == 302
        target.refresh_from_db()
        assert not target.has_usable_password()
        assert_revoked(client, oauth_client, tokens)

    def test_the_admins_own_password_change_page_revokes_the_signed_in_users_tokens(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = staff()
        tokens = issue(client, oauth_client, user)
        client.force_login(user)

        response = client.post(
            "/admin/password_change/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        assert_revoked(client, oauth_client, tokens)
        assert client.get("/admin/").status_code == 200

    def test_the_browser_password_page_revokes_the_signed_in_users_tokens(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        client.force_login(user)

        response = client.post(
            "/accounts/password_change/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response["Location"] == "/accounts/password_change/done/"
        assert_revoked(client, oauth_client, tokens)
        assert client.get("/accounts/password_change/done/").status_code == 200


class TestBrowserSessions:
    def test_an_admin_password_change_ends_the_users_other_sessions_and_keeps_the_current(
        self,
    ) -> None:
        user = staff("auth.change_user")
        changing, other = Client(), Client()
        for browser in (changing, other):
            signed_in = browser.post(
                "/admin/login/", {"username": user.username, "password": PASSWORD}
            )
            assert signed_in.status_code == 302
            assert browser.get("/admin/").status_code == 200

        response = changing.post(
            f"/admin/auth/user/{user.pk}/password/",
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

        assert response.status_code == 302
        assert changing.get("/admin/").status_code == 200
        signed_out = other.get("/admin/")
        assert signed_out.status_code == 302
        assert signed_out["Location"].startswith("/admin/login/")

    def test_a_password_change_through_the_api_ends_every_browser_session_of_the_user(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        browser = Client()
        signed_in = browser.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        assert browser.get("/o/applications/").status_code == 200
        tokens = issue(client, oauth_client, user)

        change = {"password": NEW_PASSWORD, "current_password": PASSWORD}
        assert patch(client, user, change, tokens.access).status_code == 200

        signed_out = browser.get("/o/applications/")
        assert signed_out.status_code == 302
        assert signed_out["Location"].startswith("/accounts/login/")


def test_a_password_change_voids_an_authorization_code_not_yet_exchanged(
    client: Client, bearer: BearerFactory
) -> None:
    user = UserFactory.create()
    application = PublicClientFactory.create()
    browser = Client()
    browser.force_login(user)
    verifier, challenge = pkce_pair()
    code = code_from(consent(browser, authorize_url(application.client_id, challenge)))

    admin = bearer(perms=["auth.change_user"])
    change = client.patch(
        f"/users/{user.pk}/", f"password={NEW_PASSWORD}", content_type=FORM, headers=admin
    )
    assert change.status_code == 200

    response = exchange(client, application, code, verifier)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
