"""The last active superuser stays: the API answers 409 and the admin refuses with a message
to deleting, deactivating or (admin) demoting it."""

import json
from typing import Any

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import User
from django.test import Client

from directory.superusers import LAST_SUPERUSER, LAST_SUPERUSER_STAYS
from tests.conftest import BearerFactory
from tests.factories import SuperuserFactory, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

REFUSED = {"detail": LAST_SUPERUSER}


def delete(client: Client, user: User, headers: dict[str, str]) -> Response:
    return client.delete(f"/users/{user.pk}/", headers=headers)


def deactivate_put(client: Client, user: User, headers: dict[str, str]) -> Response:
    body = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": False,
    }
    return client.put(
        f"/users/{user.pk}/", json.dumps(body), content_type="application/json", headers=headers
    )


def deactivate_patch(client: Client, user: User, headers: dict[str, str]) -> Response:
    return client.patch(
        f"/users/{user.pk}/",
        json.dumps({"is_active": False}),
        content_type="application/json",
        headers=headers,
    )


def is_active_superuser(user: User) -> bool:
    return User.objects.filter(pk=user.pk, is_active=True, is_superuser=True).exists()


REMOVALS = [
    pytest.param(delete, id="DELETE"),
    pytest.param(deactivate_put, id="PUT is_active=false"),
    pytest.param(deactivate_patch, id="PATCH is_active=false"),
]


class TestApi:
    @pytest.mark.parametrize("remove", REMOVALS)
    def test_the_only_superuser_cannot_remove_itself(
        self, client: Client, bearer: BearerFactory, remove: Any
    ) -> None:
        root = SuperuserFactory.create()
        response = remove(client, root, bearer(user=root))
        assert response.status_code == 409
        assert response.json() == REFUSED
        assert is_active_superuser(root)

    @pytest.mark.parametrize("remove", REMOVALS)
    def test_with_a_second_active_superuser_either_may_go(
        self, client: Client, bearer: BearerFactory, remove: Any
    ) -> None:
        root, other = SuperuserFactory.create_batch(2)
        response = remove(client, other, bearer(user=root))
        assert response.status_code in (200, 204), response.content
        assert not is_active_superuser(other)
        assert is_active_superuser(root)

    @pytest.mark.parametrize("remove", REMOVALS)
    def test_an_inactive_superuser_does_not_count(
        self, client: Client, bearer: BearerFactory, remove: Any
    ) -> None:
        root = SuperuserFactory.create()
        SuperuserFactory.create(is_active=False)
        response = remove(client, root, bearer(user=root))
        assert response.status_code == 409
        assert is_active_superuser(root)

    def test_a_refused_patch_changes_nothing_it_carried(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        root = SuperuserFactory.create(first_name="Ada")
        response = client.patch(
            f"/users/{root.pk}/",
            json.dumps({"first_name": "Changed", "is_active": False}),
            content_type="application/json",
            headers=bearer(user=root),
        )
        assert response.status_code == 409
        root.refresh_from_db()
        assert (root.first_name, root.is_active) == ("Ada", True)

    def test_the_last_superuser_still_edits_its_own_profile(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        root = SuperuserFactory.create()
        response = client.patch(
            f"/users/{root.pk}/",
            json.dumps({"first_name": "Still", "is_active": True}),
            content_type="application/json",
            headers=bearer(user=root),
        )
        assert response.status_code == 200
        assert response.json()["first_name"] == "Still"

    def test_other_users_are_deleted_and_deactivated_beside_one_superuser(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        root = SuperuserFactory.create()
        leaving, pausing = UserFactory.create_batch(2)
        assert delete(client, leaving, bearer(user=root)).status_code == 204
        assert deactivate_patch(client, pausing, bearer(user=root)).status_code == 200


def messages_of(response: Response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def change_form(user: User, **changes: bool) -> dict[str, Any]:
    """The admin change form's fields for `user` as they are, with `changes` applied to its
    checkboxes (an unticked box is left out of the POST, as a browser does)."""
    boxes = {
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        **changes,
    }
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **{box: "on" for box, ticked in boxes.items() if ticked},
    }


class TestAdmin:
    def test_the_delete_view_refuses_the_last_superuser_with_a_message(
        self, client: Client
    ) -> None:
        root = SuperuserFactory.create()
        client.force_login(root)
        response = client.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"}, follow=True)
        assert response.redirect_chain == [(f"/admin/auth/user/{root.pk}/change/", 302)]
        assert messages_of(response) == [LAST_SUPERUSER]
        assert is_active_superuser(root)
        assert not LogEntry.objects.filter(action_flag=DELETION).exists()

    def test_the_delete_view_deletes_a_superuser_while_another_stays(self, client: Client) -> None:
        root, other = SuperuserFactory.create_batch(2)
        client.force_login(root)
        response = client.post(f"/admin/auth/user/{other.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert response["Location"] == "/admin/auth/user/"
        assert not User.objects.filter(pk=other.pk).exists()

    @pytest.mark.parametrize("confirmed", [False, True], ids=["asking", "confirmed"])
    def test_delete_selected_refuses_a_selection_holding_every_active_superuser(
        self, client: Client, confirmed: bool
    ) -> None:
        root, other = SuperuserFactory.create_batch(2)
        bystander = UserFactory.create()
        client.force_login(root)
        form = {
            "action": "delete_selected",
            "_selected_action": [root.pk, other.pk, bystander.pk],
            **({"post": "yes"} if confirmed else {}),
        }
        response = client.post("/admin/auth/user/", form, follow=True)
        assert messages_of(response) == [LAST_SUPERUSER]
        assert User.objects.count() == 3
        assert not LogEntry.objects.filter(action_flag=DELETION).exists()

    def test_delete_selected_deletes_when_an_active_superuser_stays(self, client: Client) -> None:
        root, other = SuperuserFactory.create_batch(2)
        bystander = UserFactory.create()
        client.force_login(root)
        form = {
            "action": "delete_selected",
            "_selected_action": [other.pk, bystander.pk],
            "post": "yes",
        }
        response = client.post("/admin/auth/user/", form, follow=True)
        assert messages_of(response) == ["Successfully deleted 2 users."]
        assert list(User.objects.all()) == [root]

    @pytest.mark.parametrize("box", ["is_active", "is_superuser"])
    def test_the_change_form_refuses_unticking_the_last_superuser(
        self, client: Client, box: str
    ) -> None:
        root = SuperuserFactory.create()
        client.force_login(root)
        response = client.post(
            f"/admin/auth/user/{root.pk}/change/", change_form(root, **{box: False})
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.non_field_errors() == [LAST_SUPERUSER_STAYS]
        assert is_active_superuser(root)

    def test_the_change_form_saves_the_last_superuser_unchanged_in_status(
        self, client: Client
    ) -> None:
        root = SuperuserFactory.create()
        client.force_login(root)
        form = {**change_form(root), "first_name": "Saved"}
        response = client.post(f"/admin/auth/user/{root.pk}/change/", form)
        assert response.status_code == 302
        root.refresh_from_db()
        assert root.first_name == "Saved"

    def test_the_change_form_demotes_a_superuser_while_another_stays(self, client: Client) -> None:
        root, other = SuperuserFactory.create_batch(2)
        client.force_login(root)
        response = client.post(
            f"/admin/auth/user/{other.pk}/change/", change_form(other, is_superuser=False)
        )
        assert response.status_code == 302
        other.refresh_from_db()
        assert not other.is_superuser
