"""What identity.revocation counts as a password change or a change of `is_active` in saves
made by code, what it revokes, and at what cost; then `manage.py changepassword`, run as an
operator runs it."""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import get_commands
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, DeviceGrant, Grant, IDToken, RefreshToken
from pytest_django import DjangoAssertNumQueries

from identity.revocation import tokens_revoke_for_user
from tests.factories import (
    PASSWORD,
    AccessTokenFactory,
    ApplicationFactory,
    GrantFactory,
    RefreshTokenFactory,
    UserFactory,
)
from tests.security import live
from tests.security.conftest import CLIENT_SECRET, OAuthClient
from tests.security.test_revocation import (
    NEW_PASSWORD,
    Tokens,
    api_status,
    assert_live,
    assert_revoked,
    issue,
    staff,
)

pytestmark = pytest.mark.django_db


class TestWhatCountsAsAChange:
    def test_set_password_and_save_revokes_the_users_tokens(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        user.set_password(NEW_PASSWORD)
        user.save()
        assert_revoked(client, oauth_client, tokens)

    def test_a_hash_assigned_to_password_revokes_the_users_tokens(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        user.password = make_password(NEW_PASSWORD)
        user.save(update_fields=["password"])
        assert_revoked(client, oauth_client, tokens)

    def test_a_new_password_not_written_by_the_save_revokes_nothing_until_it_is(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        user.set_password(NEW_PASSWORD)
        user.first_name = "Renamed"
        user.save(update_fields=["first_name"])
        assert api_status(client, tokens) == 200
        user.save()
        assert_revoked(client, oauth_client, tokens)

    def test_saves_that_change_neither_field_revoke_nothing(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        user.save()
        user.first_name = "Renamed"
        user.save(update_fields=["first_name"])
        deferred = User.objects.defer("password", "is_active").get(pk=user.pk)
        deferred.last_name = "Renamed"
        deferred.save()
        assert_live(client, oauth_client, tokens)

    def test_deactivation_revokes_and_reactivation_revives_nothing(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        assert_revoked(client, oauth_client, tokens)

    def test_reactivation_revokes_tokens_that_outlived_a_deactivation_by_queryset_update(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        User.objects.filter(pk=user.pk).update(is_active=False)  # sends no signal
        assert api_status(client, tokens) == 401  # refused while inactive, not revoked
        inactive = User.objects.get(pk=user.pk)
        inactive.is_active = True
        inactive.save()
        assert_revoked(client, oauth_client, tokens)

    def test_saving_an_unsaved_instance_over_an_existing_user_revokes(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        user = UserFactory.create()
        tokens = issue(client, oauth_client, user)
        User(
            pk=user.pk,
            username=user.username,
            password=make_password(NEW_PASSWORD),
            date_joined=user.date_joined,
        ).save()
        assert_revoked(client, oauth_client, tokens)

    def test_a_hash_upgrade_at_login_revokes_the_tokens_issued_before(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        """Django rehashes a password whose hasher parameters are out of date when it is next
        checked (here: a salt shorter than MD5PasswordHasher now wants): the stored hash
        changes, and counts as a change."""
        user = UserFactory.create()
        earlier = issue(client, oauth_client, user)
        User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, "short", "md5"))
        later = issue(client, oauth_client, user)
        assert User.objects.get(pk=user.pk).password.split("$")[1] != "short"
        assert_revoked(client, oauth_client, earlier)
        assert_live(client, oauth_client, later)


class TestWhatIsNotCovered:
    def test_a_queryset_update_of_the_password_revokes_no_token_but_ends_browser_sessions(
        self, client: Client, oauth_client: OAuthClient
    ) -> None:
        """The documented gap: QuerySet.update() sends no signal. Sessions end anyway, as
        Django checks their hash against the stored password on every request."""
        user = staff()
        tokens = issue(client, oauth_client, user)
        browser = Client()
        browser.force_login(user)
        User.objects.filter(pk=user.pk).update(password=make_password(NEW_PASSWORD))
        assert api_status(client, tokens) == 200
        assert browser.get("/admin/").status_code == 302


@transaction.atomic
def change_then_fail(user: User) -> None:
    user.set_password(NEW_PASSWORD)
    user.save()
    raise RuntimeError("after the write, before the commit")


def test_a_rolled_back_password_change_leaves_the_tokens_alive(
    client: Client, oauth_client: OAuthClient
) -> None:
    user = UserFactory.create()
    tokens = issue(client, oauth_client, user)
    with pytest.raises(RuntimeError):
        change_then_fail(user)
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert_live(client, oauth_client, tokens)


def test_revocation_marks_refresh_tokens_revoked_and_deletes_the_rest_of_the_users_only() -> None:
    user, other = UserFactory.create_batch(2)
    application = ApplicationFactory.create()
    for owner in (user, other):
        access = AccessTokenFactory.create(user=owner, application=application)
        RefreshTokenFactory.create(user=owner, application=application, access_token=access)
        GrantFactory.create(user=owner)
        IDToken.objects.create(user=owner, expires=timezone.now() + timedelta(hours=1))
        DeviceGrant.objects.create(
            user=owner,
            device_code=f"device-{owner.pk}",
            user_code=f"user-{owner.pk}",
            client_id=application.client_id,
            expires=timezone.now() + timedelta(minutes=5),
        )

    tokens_revoke_for_user(user=user)

    refresh = RefreshToken.objects.get(user=user)  # kept, as DOT keeps revoked ones
    assert refresh.revoked is not None
    assert refresh.access_token_id is None
    for model in (AccessToken, Grant, IDToken, DeviceGrant):
        assert not model.objects.filter(user=user).exists()
        assert model.objects.filter(user=other).count() == 1
    assert RefreshToken.objects.get(user=other).revoked is None


@pytest.mark.parametrize("pairs", [0, 1, 30])
def test_revocation_costs_a_fixed_number_of_queries(
    django_assert_num_queries: DjangoAssertNumQueries, pairs: int
) -> None:
    """One UPDATE of refresh tokens; access tokens: a SELECT, and when there are any, the
    UPDATE of their refresh tokens' link and a DELETE (by 100s); ID tokens: a SELECT, as
    their deletion cascades; grants: a SELECT, as their deletion cascades to their sign-in
    times (identity.GrantSignIn), and when there are any a DELETE of those and of the grants;
    one DELETE for device grants."""
    user = UserFactory.create()
    for _ in range(pairs):
        access = AccessTokenFactory.create(user=user)
        RefreshTokenFactory.create(user=user, application=access.application, access_token=access)
        GrantFactory.create(user=user)
    with django_assert_num_queries(9 if pairs else 5):
        tokens_revoke_for_user(user=user)
    assert not AccessToken.objects.filter(user=user).exists()


@pytest.fixture
def atomic_at_save() -> Iterator[list[bool]]:
    """Whether each save of a user ran inside a transaction."""
    seen: list[bool] = []

    def record(**kwargs: object) -> None:
        seen.append(connection.in_atomic_block)

    pre_save.connect(record, sender=User, dispatch_uid="test-atomic-at-save")
    yield seen
    pre_save.disconnect(sender=User, dispatch_uid="test-atomic-at-save")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "form"),
    [
        (
            "/admin/auth/user/{pk}/password/",
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        ),
        (
            "/admin/password_change/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        ),
        (
            "/accounts/password_change/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        ),
    ],
    ids=["a user's password page", "one's own password page", "the browser page"],
)
def test_the_password_pages_write_in_one_transaction(
    atomic_at_save: list[bool], path: str, form: dict[str, str]
) -> None:
    """Django's own versions of these views write without a transaction."""
    user = staff("auth.change_user")
    browser = Client()
    browser.force_login(user)
    atomic_at_save.clear()  # force_login's save of last_login
    assert browser.post(path.format(pk=user.pk), form).status_code == 302
    assert atomic_at_save == [True]


def test_manage_py_changepassword_is_identitys_which_writes_in_a_transaction() -> None:
    """Django's saves without one; the first app in INSTALLED_APPS that has the command wins."""
    assert get_commands()["changepassword"] == "identity"


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[dict[str, str]]:
    with live.live_environment(tmp_path) as env:
        yield env


SETUP = f"""
import json
from django.contrib.auth.models import User
from oauth2_provider.models import Application

user = User.objects.create_user("carol", password={PASSWORD!r})
app = Application.objects.create(
    name="cli", client_type="confidential", authorization_grant_type="password",
    client_secret={CLIENT_SECRET!r},
)
print(json.dumps({{"client_id": app.client_id}}))
"""


def http(
    url: str, data: dict[str, str] | None = None, **headers: str
) -> tuple[int, dict[str, str]]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_manage_py_changepassword_revokes_the_users_tokens(
    tmp_path: Path, deployed: dict[str, str]
) -> None:
    """The real command in a process of its own, reading the password from stdin as getpass
    does without a terminal; the tokens are checked against a running server."""
    client_id = json.loads(live.run(deployed, "shell", "-c", SETUP).stdout.splitlines()[-1])[
        "client_id"
    ]
    basic = base64.b64encode(f"{client_id}:{CLIENT_SECRET}".encode()).decode()
    with live.live_servers(tmp_path, deployed, 1) as ([url], _):

        def token(data: dict[str, str]) -> tuple[int, dict[str, str]]:
            return http(f"{url}/o/token/", data, Authorization=f"Basic {basic}")

        status, body = token({"grant_type": "password", "username": "carol", "password": PASSWORD})
        assert status == 200
        tokens = Tokens(body["access_token"], body["refresh_token"])
        assert http(f"{url}/users/", Authorization=f"Bearer {tokens.access}")[0] == 200

        result = live.run(deployed, "changepassword", "carol", stdin=f"{NEW_PASSWORD}\n" * 2)

        assert "Password changed successfully for user 'carol'" in result.stdout
        assert http(f"{url}/users/", Authorization=f"Bearer {tokens.access}")[0] == 401
        status, body = token({"grant_type": "refresh_token", "refresh_token": tokens.refresh})
        assert (status, body["error"]) == (400, "invalid_grant")
        new = {"grant_type": "password", "username": "carol", "password": NEW_PASSWORD}
        assert token(new)[0] == 200
