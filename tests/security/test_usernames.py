"""Usernames are unique regardless of case: in the database (a unique index on lower(username)),
in the API, the admin and createsuperuser; and every password sign-in finds the user whatever
the case typed. Case folding is the database's lower(): ASCII only on SQLite."""

import json
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from pytest_django.fixtures import Settings

from identity.backends import CaseInsensitiveModelBackend
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, SuperuserFactory, UserFactory
from tests.helpers import Response
from tests.security.conftest import OAuthClient

pytestmark = pytest.mark.django_db

TAKEN = {"detail": "A user with that username already exists."}
FORM_TAKEN = "A user with that username already exists."


def create(client: Client, username: str, headers: dict[str, str]) -> Response:
    body = {"username": username, "password": PASSWORD}
    return client.post(
        "/users/", json.dumps(body), content_type="application/json", headers=headers
    )


def rename(client: Client, method: str, user: User, name: str, headers: dict[str, str]) -> Response:
    body: dict[str, str | bool] = {"username": name}
    if method == "put":
        body |= {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": user.is_active,
        }
    send = client.put if method == "put" else client.patch
    return send(
        f"/users/{user.pk}/", json.dumps(body), content_type="application/json", headers=headers
    )


class TestDatabase:
    def test_the_index_refuses_a_second_user_differing_only_in_case(self) -> None:
        User.objects.create(username="Casey")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username="cASEY")


class TestApi:
    def test_creating_a_case_duplicate_is_a_409(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        UserFactory.create(username="foo")
        response = create(client, "FOO", bearer(perms=["auth.add_user"]))
        assert (response.status_code, response.json()) == (409, TAKEN)
        assert User.objects.filter(username__in=["foo", "FOO"]).count() == 1

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_renaming_into_a_case_duplicate_is_a_409(
        self, client: Client, bearer: BearerFactory, method: str
    ) -> None:
        UserFactory.create(username="foo")
        other = UserFactory.create(username="bar")
        response = rename(client, method, other, "Foo", bearer(perms=["auth.change_user"]))
        assert (response.status_code, response.json()) == (409, TAKEN)
        other.refresh_from_db()
        assert other.username == "bar"

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_renaming_oneself_to_another_case_of_ones_name_works(
        self, client: Client, bearer: BearerFactory, method: str
    ) -> None:
        me = UserFactory.create(username="dana")
        response = rename(client, method, me, "Dana", bearer(user=me))
        assert response.status_code == 200
        assert response.json()["username"] == "Dana"

    def test_non_ascii_letters_fold_on_postgresql_only(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        """The database's lower() decides: PostgreSQL folds É to é, SQLite folds ASCII only."""
        UserFactory.create(username="émile")
        response = create(client, "ÉMILE", bearer(perms=["auth.add_user"]))
        assert response.status_code == (409 if connection.vendor == "postgresql" else 201)


class TestSignIn:
    @pytest.fixture
    def frank(self) -> User:
        user: User = UserFactory.create(username="Frank")
        return user

    @pytest.mark.parametrize("typed", ["frank", "FRANK", "Frank"])
    def test_the_password_grant_finds_the_user_whatever_the_case(
        self,
        client: Client,
        bearer: BearerFactory,
        oauth_client: OAuthClient,
        frank: User,
        typed: str,
    ) -> None:
        response = oauth_client.password_grant(client, typed, PASSWORD)
        assert response.status_code == 200
        token = response.json()["access_token"]
        me = client.get("/users/me/", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["id"] == frank.pk

    def test_a_wrong_password_is_refused_in_any_case(
        self, client: Client, oauth_client: OAuthClient, frank: User
    ) -> None:
        response = oauth_client.password_grant(client, "FRANK", "wrong-password")
        assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")

    def test_the_sign_in_page_finds_the_user_whatever_the_case(
        self, client: Client, frank: User
    ) -> None:
        response = client.post("/accounts/login/", {"username": "fRANK", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(frank.pk)

    def test_the_admin_login_finds_the_user_whatever_the_case(self, client: Client) -> None:
        boss = SuperuserFactory.create(username="boss")
        response = client.post("/admin/login/", {"username": "BOSS", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(boss.pk)

    def test_the_backends_async_authenticate_finds_the_user_whatever_the_case(
        self, frank: User
    ) -> None:
        backend = CaseInsensitiveModelBackend()
        found = async_to_sync(backend.aauthenticate)(None, username="FRANK", password=PASSWORD)
        assert found is not None
        assert found.pk == frank.pk
        wrong = async_to_sync(backend.aauthenticate)(None, username="FRANK", password="wrong")
        assert wrong is None


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting the hashes it computes."""

    computed = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.computed += 1
        return super().encode(password, salt)


def test_an_unknown_username_costs_the_same_hashing_as_a_wrong_password(
    client: Client, settings: Settings
) -> None:
    """ModelBackend's timing-attack mitigation (Django #20760) is kept: an unknown name hashes
    the typed password once, as checking a known user's does."""
    settings.PASSWORD_HASHERS = ["tests.security.test_usernames.CountingHasher"]
    UserFactory.create(username="gina")
    costs = []
    for username, address in (("GINA", "10.9.0.1"), ("nobody", "10.9.0.2")):
        CountingHasher.computed = 0
        form = {"username": username, "password": "wrong-password"}
        assert client.post("/accounts/login/", form, REMOTE_ADDR=address).status_code == 200
        costs.append(CountingHasher.computed)
    assert costs == [1, 1]


class TestAdmin:
    def test_the_add_form_refuses_a_case_duplicate(self, client: Client) -> None:
        client.force_login(SuperuserFactory.create())
        UserFactory.create(username="foo")
        form = {
            "username": "FOO",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        response = client.post("/admin/auth/user/add/", form)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["username"] == [FORM_TAKEN]
        assert not User.objects.filter(username="FOO").exists()

    def test_the_add_form_creates_a_new_name(self, client: Client) -> None:
        client.force_login(SuperuserFactory.create())
        form = {
            "username": "fresh",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        assert client.post("/admin/auth/user/add/", form).status_code == 302
        assert User.objects.filter(username="fresh").exists()

    @pytest.mark.parametrize(("name", "status"), [("FOO", 200), ("Bar", 302)])
    def test_the_change_form_refuses_a_case_duplicate_but_not_a_new_case_of_its_own(
        self, client: Client, name: str, status: int
    ) -> None:
        client.force_login(SuperuserFactory.create())
        UserFactory.create(username="foo")
        bar = UserFactory.create(username="bar")
        form = {
            "username": name,
            "is_active": "on",
            "date_joined_0": bar.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": bar.date_joined.strftime("%H:%M:%S"),
        }
        response = client.post(f"/admin/auth/user/{bar.pk}/change/", form)
        assert response.status_code == status
        bar.refresh_from_db()
        if status == 200:
            assert response.context["adminform"].form.errors["username"] == [FORM_TAKEN]
            assert bar.username == "bar"
        else:
            assert bar.username == "Bar"


class TestCommands:
    def test_createsuperuser_refuses_a_case_duplicate_with_a_clear_error(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        UserFactory.create(username="ops")
        monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "OPS")
        monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Ops-Password-88")
        with pytest.raises(CommandError, match="That username is already taken"):
            call_command("createsuperuser", interactive=False, stdout=StringIO())
        assert not User.objects.filter(is_superuser=True).exists()

    def test_bootstrap_finds_its_admin_in_another_case(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        SuperuserFactory.create(username="root")
        monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ROOT")
        out = StringIO()
        call_command("bootstrap", base_url="http://127.0.0.1:8000", stdout=out)
        assert "Admin user:" not in out.getvalue()
        assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == [
            "root"
        ]
