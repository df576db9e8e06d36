"""PUT and PATCH /users/{id}/: what changes, who may change it, and what is refused."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import PASSWORD, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


Me = tuple[User, dict[str, str]]


@pytest.fixture
def me(bearer: BearerFactory) -> Me:
    """An ordinary user, and the headers of a `write` token of theirs."""
    user = UserFactory.create()
    return user, bearer(scope="write", user=user)


def patch(client: Client, user: User, form: str, headers: dict[str, str]) -> Response:
    return client.patch(f"/users/{user.pk}/", form, content_type=FORM, headers=headers)


class TestUpdate:
    def test_put_replaces_the_profile(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        body = {
            "username": "renamed",
            "email": "r@x.io",
            "first_name": "R",
            "last_name": "N",
            "is_active": True,
        }
        response = client.put(
            f"/users/{user.pk}/",
            json.dumps(body),
            content_type="application/json",
            headers=bearer(perms=["auth.change_user"]),
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.username, user.email, user.first_name, user.last_name) == (
            "renamed",
            "r@x.io",
            "R",
            "N",
        )

    def test_put_without_every_profile_field_is_a_422(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        user = UserFactory.create()
        response = client.put(
            f"/users/{user.pk}/",
            json.dumps({"username": "x"}),
            content_type="application/json",
            headers=bearer(),
        )
        assert response.status_code == 422

    def test_put_without_is_active_is_a_422_and_never_reactivates(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        user = UserFactory.create(is_active=False)
        profile = {"username": user.username, "email": "", "first_name": "", "last_name": ""}
        response = client.put(
            f"/users/{user.pk}/",
            json.dumps(profile),
            content_type="application/json",
            headers=bearer(perms=["auth.change_user"]),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "payload", "is_active"]
        user.refresh_from_db()
        assert not user.is_active

    def test_patch_changes_only_what_is_sent(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create(first_name="Old", last_name="Name")
        auth = bearer(perms=["auth.change_user"])
        response = client.patch(
            f"/users/{user.pk}/", "first_name=New", content_type=FORM, headers=auth
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.first_name, user.last_name) == ("New", "Name")

    def test_renaming_onto_a_taken_username_is_a_409(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        UserFactory.create(username="taken")
        user = UserFactory.create(username="free")
        auth = bearer(perms=["auth.change_user"])
        response = client.patch(
            f"/users/{user.pk}/", "username=taken", content_type=FORM, headers=auth
        )
        assert response.status_code == 409
        user.refresh_from_db()
        assert user.username == "free"

    def test_a_user_edits_their_own_profile_without_permissions(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        user = UserFactory.create()
        response = client.patch(
            f"/users/{user.pk}/",
            "last_name=Mine",
            content_type=FORM,
            headers=bearer(scope="write", user=user),
        )
        assert response.status_code == 200

    def test_a_user_cannot_edit_someone_else_without_change_user(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        other = UserFactory.create(last_name="Theirs")
        auth = bearer(scope="write")
        assert patch(client, other, "last_name=Mine", auth).status_code == 403
        other.refresh_from_db()
        assert other.last_name == "Theirs"
        editor = bearer(scope="write", perms=["auth.change_user"])
        assert patch(client, other, "last_name=Mine", editor).status_code == 200

    def test_changing_is_active_needs_change_user_even_on_oneself(
        self, client: Client, me: Me
    ) -> None:
        user, auth = me
        assert patch(client, user, "is_active=false", auth).status_code == 403
        user.refresh_from_db()
        assert user.is_active
        assert patch(client, user, "is_active=true", auth).status_code == 200

    def test_own_password_change_needs_the_current_password(self, client: Client, me: Me) -> None:
        user, auth = me
        loc = ["body", "payload", "current_password"]
        missing = patch(client, user, f"password={PASSWORD}x", auth)
        assert missing.status_code == 422
        assert missing.json()["detail"] == [
            {
                "type": "value_error",
                "loc": loc,
                "msg": "This field is required when changing your own password.",
            }
        ]
        wrong = patch(client, user, f"password={PASSWORD}x&current_password=nope", auth)
        assert wrong.status_code == 422
        assert wrong.json()["detail"] == [
            {
                "type": "value_error",
                "loc": loc,
                "msg": "Your current password was entered incorrectly.",
            }
        ]
        weak = patch(client, user, f"password=abc&current_password={PASSWORD}", auth)
        assert weak.status_code == 422
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        ok = patch(client, user, f"password={PASSWORD}x&current_password={PASSWORD}", auth)
        assert ok.status_code == 200
        user.refresh_from_db()
        assert user.check_password(f"{PASSWORD}x")

    def test_another_users_password_needs_change_user(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        victim = UserFactory.create()
        attacker = bearer(scope="write")
        assert patch(client, victim, f"password={PASSWORD}x", attacker).status_code == 403
        victim.refresh_from_db()
        assert victim.check_password(PASSWORD)
        admin = bearer(scope="write", perms=["auth.change_user"])
        assert patch(client, victim, f"password={PASSWORD}x", admin).status_code == 200

    def test_privileged_fields_cannot_be_patched(self, client: Client, me: Me) -> None:
        user, auth = me
        for field in ("is_superuser", "is_staff", "user_permissions", "last_login", "password2"):
            assert patch(client, user, f"{field}=true", auth).status_code == 422, field
        user.refresh_from_db()
        assert not user.is_superuser
        assert not user.is_staff
