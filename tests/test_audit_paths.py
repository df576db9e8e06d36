"""Every path that changes users, groups and memberships records the API's events (directory
.audit): the admin site as a staff user holding just the permissions it needs, the password
pages, `manage.py` commands, and plain ORM calls. Exactly one event per change, in the
change's transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save
from django.test import Client

from audit.models import AuditEvent
from tests.factories import PASSWORD, GroupFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

IP = "198.51.100.4"
NEW_PASSWORD = "a-new-and-longer-passphrase"


def mark() -> int:
    """The last event's id: what a test does after it is what the test recorded."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def directory_events(start: int) -> QuerySet[AuditEvent]:
    """Of users, groups and memberships: not the sign-ins, tokens and applications."""
    events = AuditEvent.objects.filter(id__gt=start).order_by("id")
    return events.filter(Q(action__startswith="user.") | Q(action__startswith="group."))


def since(start: int) -> list[dict[str, Any]]:
    fields = ("action", "target_type", "target_id", "target_label", "changes")
    return [dict(event) for event in directory_events(start).values(*fields)]


def user_target(user: User) -> dict[str, str]:
    return {"target_type": "user", "target_id": str(user.pk), "target_label": user.username}


def group_target(group: Group) -> dict[str, str]:
    return {"target_type": "group", "target_id": str(group.pk), "target_label": group.name}


def assert_made_by(start: int, actor: User | None) -> None:
    events = directory_events(start)
    assert events.exists()
    for event in events:
        if actor is None:
            assert (event.actor_id, event.actor_username, event.ip) == (None, "", None)
            assert event.request_id == ""
        else:
            assert (event.actor_id, event.actor_username) == (actor.pk, actor.username)
            assert event.ip == IP
            assert event.request_id
        assert (event.client_id, event.scopes) == ("", "")


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().splitlines()[0]  # the verdict, before the head


def perm(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def staff() -> User:
    """A staff user holding the admin permissions of users and groups, not a superuser."""
    return UserFactory.create(
        is_staff=True,
        permissions=[
            f"auth.{verb}_{model}"
            for verb in ("view", "add", "change", "delete")
            for model in ("user", "group")
        ],
    )


@pytest.fixture
def admin(client: Client, staff: User) -> Client:
    client.force_login(staff)
    client.defaults["REMOTE_ADDR"] = IP
    return client


def change_form(user: User, **fields: Any) -> dict[str, Any]:
    """The admin change form's fields for `user` as they are, then `fields`; an unticked box is
    left out of the POST, as a browser does."""
    boxes = {"is_active": user.is_active, "is_staff": user.is_staff}
    boxes |= {"is_superuser": user.is_superuser}
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
    }
    form |= {box: "on" for box, ticked in boxes.items() if ticked}
    for name, value in fields.items():
        if value is False:
            form.pop(name, None)
        else:
            form[name] = "on" if value is True else value
    return form


class TestAdminUsers:
    def test_adding_a_user_records_its_creation_by_the_staff_user(
        self, admin: Client, staff: User
    ) -> None:
        start = mark()
        form = {
            "username": "ann",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        assert admin.post("/admin/auth/user/add/", form).status_code == 302
        ann = User.objects.get(username="ann")
        assert since(start) == [{"action": "user.created", **user_target(ann), "changes": {}}]
        assert_made_by(start, staff)

    def test_the_change_form_records_changed_fields_and_status_but_no_dates(
        self, admin: Client, staff: User
    ) -> None:
        bob = UserFactory.create(first_name="Bob")
        start = mark()
        form = change_form(bob, first_name="Robert", is_staff=True, is_active=False)
        form |= {"last_login_0": "2026-01-02", "last_login_1": "03:04:05"}
        assert admin.post(f"/admin/auth/user/{bob.pk}/change/", form).status_code == 302
        assert since(start) == [
            {
                "action": "user.updated",
                **user_target(bob),
                "changes": {"first_name": ["Bob", "Robert"], "is_staff": [False, True]},
            },
            {
                "action": "user.deactivated",
                **user_target(bob),
                "changes": {"is_active": [True, False]},
            },
        ]
        assert_made_by(start, staff)

    def test_making_a_superuser_records_it(self, admin: Client) -> None:
        bob = UserFactory.create()
        start = mark()
        form = change_form(bob, is_superuser=True)
        assert admin.post(f"/admin/auth/user/{bob.pk}/change/", form).status_code == 302
        assert since(start) == [
            {
                "action": "user.updated",
                **user_target(bob),
                "changes": {"is_superuser": [False, True]},
            }
        ]

    def test_groups_and_permissions_of_the_change_form_are_recorded(
        self, admin: Client, staff: User
    ) -> None:
        bob = UserFactory.create()
        kept, joined, left = GroupFactory.create_batch(3)
        bob.groups.set([kept, left])
        bob.user_permissions.set([perm("auth.view_user")])
        start = mark()
        form = change_form(
            bob,
            groups=[kept.pk, joined.pk],
            user_permissions=[perm("auth.view_user").pk, perm("auth.add_group").pk],
        )
        assert admin.post(f"/admin/auth/user/{bob.pk}/change/", form).status_code == 302
        assert since(start) == [
            {
                "action": "group.member_removed",
                **group_target(left),
                "changes": {"member": [bob.pk, None]},
            },
            {
                "action": "group.member_added",
                **group_target(joined),
                "changes": {"member": [None, bob.pk]},
            },
            {
                "action": "user.updated",
                **user_target(bob),
                "changes": {
                    "user_permissions": [["auth.view_user"], ["auth.add_group", "auth.view_user"]]
                },
            },
        ]
        assert_made_by(start, staff)

    def test_saving_the_change_form_unchanged_records_nothing(self, admin: Client) -> None:
        bob = UserFactory.create()
        bob.groups.set([GroupFactory.create()])
        bob.user_permissions.set([perm("auth.view_user")])
        start = mark()
        assert admin.post(f"/admin/auth/user/{bob.pk}/change/", change_form(bob)).status_code == 302
        assert since(start) == []

    def test_the_users_password_page_records_a_password_change_not_the_hash(
        self, admin: Client, staff: User
    ) -> None:
        bob = UserFactory.create()
        start = mark()
        form = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        assert admin.post(f"/admin/auth/user/{bob.pk}/password/", form).status_code == 302
        assert since(start) == [
            {
                "action": "user.password_changed",
                **user_target(bob),
                "changes": {"password": "changed"},
            }
        ]
        assert_made_by(start, staff)

    def test_the_delete_view_records_the_deletion(self, admin: Client, staff: User) -> None:
        bob = UserFactory.create(username="bob")
        bob.groups.set([GroupFactory.create()])
        start = mark()
        response = admin.post(f"/admin/auth/user/{bob.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert since(start) == [{"action": "user.deleted", **user_target(bob), "changes": {}}]
        assert_made_by(start, staff)

    def test_delete_selected_records_one_deletion_per_user(
        self, admin: Client, staff: User
    ) -> None:
        SuperuserFactory.create()  # the last active superuser is never in a selection
        doomed = UserFactory.create_batch(2)
        start = mark()
        form = {
            "action": "delete_selected",
            "_selected_action": [u.pk for u in doomed],
            "post": "yes",
        }
        assert admin.post("/admin/auth/user/", form).status_code == 302
        assert sorted(since(start), key=lambda e: int(e["target_id"])) == [
            {"action": "user.deleted", **user_target(user), "changes": {}} for user in doomed
        ]
        assert_made_by(start, staff)


class TestAdminGroups:
    def test_adding_renaming_and_deleting_a_group_with_its_permissions(
        self, admin: Client, staff: User
    ) -> None:
        start = mark()
        added = admin.post(
            "/admin/auth/group/add/", {"name": "ops", "permissions": [perm("auth.view_user").pk]}
        )
        assert added.status_code == 302
        group = Group.objects.get(name="ops")
        form = {"name": "sre", "permissions": []}
        assert admin.post(f"/admin/auth/group/{group.pk}/change/", form).status_code == 302
        assert (
            admin.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 302
        )
        ops = {"target_type": "group", "target_id": str(group.pk), "target_label": "ops"}
        sre = {**ops, "target_label": "sre"}
        assert since(start) == [
            {"action": "group.created", **ops, "changes": {}},
            {
                "action": "group.updated",
                **ops,
                "changes": {"permissions": [[], ["auth.view_user"]]},
            },
            {"action": "group.updated", **sre, "changes": {"name": ["ops", "sre"]}},
            {
                "action": "group.updated",
                **sre,
                "changes": {"permissions": [["auth.view_user"], []]},
            },
            {"action": "group.deleted", **sre, "changes": {}},
        ]
        assert_made_by(start, staff)

    def test_saving_a_group_unchanged_records_nothing(self, admin: Client) -> None:
        group = GroupFactory.create()
        group.permissions.set([perm("auth.view_user")])
        start = mark()
        form = {"name": group.name, "permissions": [perm("auth.view_user").pk]}
        assert admin.post(f"/admin/auth/group/{group.pk}/change/", form).status_code == 302
        assert since(start) == []

    def test_delete_selected_records_one_deletion_per_group(self, admin: Client) -> None:
        groups = GroupFactory.create_batch(2)
        start = mark()
        form = {
            "action": "delete_selected",
            "_selected_action": [g.pk for g in groups],
            "post": "yes",
        }
        assert admin.post("/admin/auth/group/", form).status_code == 302
        assert sorted(since(start), key=lambda e: int(e["target_id"])) == [
            {"action": "group.deleted", **group_target(group), "changes": {}} for group in groups
        ]


class TestOwnPassword:
    @pytest.mark.parametrize("page", ["/admin/password_change/", "/accounts/password_change/"])
    def test_changing_ones_own_password_records_it_as_oneself(
        self, client: Client, staff: User, page: str
    ) -> None:
        client.force_login(staff)
        start = mark()
        form = {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        }
        assert client.post(page, form, REMOTE_ADDR=IP).status_code == 302
        assert since(start) == [
            {
                "action": "user.password_changed",
                **user_target(staff),
                "changes": {"password": "changed"},
            }
        ]
        assert_made_by(start, staff)

    def test_signing_in_records_no_change_of_the_user(self, client: Client) -> None:
        user = UserFactory.create()
        start = mark()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert since(start) == []  # last_login is not audited
        actions = AuditEvent.objects.filter(id__gt=start).values_list("action", flat=True)
        assert list(actions) == ["sign_in.succeeded"]


class TestCommands:
    def test_createsuperuser_records_the_creation_by_nobody(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
        start = mark()
        call_command(
            "createsuperuser", interactive=False, username="root", email="", stdout=StringIO()
        )
        root = User.objects.get(username="root")
        assert since(start) == [{"action": "user.created", **user_target(root), "changes": {}}]
        assert_made_by(start, None)

    def test_changepassword_records_the_change_by_nobody(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        bob = UserFactory.create()
        monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)  # the terminal
        start = mark()
        call_command("changepassword", bob.username, stdout=StringIO())
        assert since(start) == [
            {
                "action": "user.password_changed",
                **user_target(bob),
                "changes": {"password": "changed"},
            }
        ]
        assert_made_by(start, None)

    def test_bootstrap_records_what_it_creates_and_nothing_when_run_again(self) -> None:
        start = mark()
        call_command("bootstrap", stdout=StringIO())
        admin, alice, bob = (User.objects.get(username=n) for n in ("admin", "alice", "bob"))
        engineering, support = (Group.objects.get(name=n) for n in ("engineering", "support"))
        assert since(start) == [
            {"action": "user.created", **user_target(admin), "changes": {}},
            {"action": "group.created", **group_target(engineering), "changes": {}},
            {"action": "user.created", **user_target(alice), "changes": {}},
            {
                "action": "group.member_added",
                **group_target(engineering),
                "changes": {"member": [None, alice.pk]},
            },
            {"action": "group.created", **group_target(support), "changes": {}},
            {"action": "user.created", **user_target(bob), "changes": {}},
            {
                "action": "group.member_added",
                **group_target(support),
                "changes": {"member": [None, bob.pk]},
            },
        ]
        assert_made_by(start, None)
        again = mark()
        call_command("bootstrap", stdout=StringIO())
        assert since(again) == []


class TestOrm:
    def test_memberships_are_recorded_from_either_side_and_only_when_they_change(self) -> None:
        user, group = UserFactory.create(), GroupFactory.create()
        start = mark()
        with transaction.atomic():
            group.user_set.add(user)
            user.groups.add(group)  # a member already
            user.groups.remove(group)
            group.user_set.remove(user)  # not a member any more
            user.groups.add(group)
            group.user_set.clear()
        added = {
            "action": "group.member_added",
            **group_target(group),
            "changes": {"member": [None, user.pk]},
        }
        removed = {
            "action": "group.member_removed",
            **group_target(group),
            "changes": {"member": [user.pk, None]},
        }
        assert since(start) == [added, removed, added, removed]

    def test_a_field_deferred_at_load_is_recorded_with_its_old_value(self) -> None:
        bob = UserFactory.create(first_name="Bob")
        start = mark()
        with transaction.atomic():
            loaded = User.objects.only("pk").get(pk=bob.pk)
            loaded.first_name = "Robert"
            loaded.save(update_fields=["first_name"])
        assert since(start) == [
            {
                "action": "user.updated",
                **user_target(bob),
                "changes": {"first_name": ["Bob", "Robert"]},
            }
        ]

    def test_saving_a_user_unchanged_or_its_sign_in_dates_records_nothing(self) -> None:
        bob = UserFactory.create()
        start = mark()
        with transaction.atomic():
            bob.save()
            bob.last_login = bob.date_joined
            bob.save(update_fields=["last_login"])
        assert since(start) == []

    def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(self, settings: Any) -> None:
        bob = UserFactory.create()
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.ScryptPasswordHasher",
            *settings.PASSWORD_HASHERS,
        ]
        start = mark()
        with transaction.atomic():
            assert bob.check_password(PASSWORD)  # rehashed with scrypt and saved
        bob.refresh_from_db()
        assert bob.password.startswith("scrypt$")
        assert since(start) == []


@contextmanager
def failing_after_user_saves() -> Iterator[None]:
    """A receiver after directory.audit's that fails: the save and its event are written, then
    the change fails."""

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("failed after the save")

    post_save.connect(fail, sender=User, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            yield
    finally:
        post_save.disconnect(sender=User, dispatch_uid="test-fail")


@pytest.mark.django_db(transaction=True)
class TestRollback:
    def test_an_admin_change_that_fails_after_the_save_leaves_no_event(self, admin: Client) -> None:
        bob = User.objects.create(username="bob", first_name="Bob")
        start = mark()
        form = change_form(bob, first_name="Robert")
        with failing_after_user_saves():
            admin.post(f"/admin/auth/user/{bob.pk}/change/", form)
        assert User.objects.get(pk=bob.pk).first_name == "Bob"
        assert since(start) == []
        assert verify().endswith("chain intact")

    def test_a_command_that_fails_after_the_save_leaves_no_event(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
        start = mark()
        with failing_after_user_saves():
            call_command("createsuperuser", interactive=False, username="root", email="")
        assert not User.objects.filter(username="root").exists()
        assert since(start) == []

    def test_a_shell_save_without_a_transaction_commits_its_event_with_it(self) -> None:
        start = mark()
        bob = User.objects.create(username="bob")
        bob.first_name = "Bob"
        bob.save()
        bob.delete()
        assert [e["action"] for e in since(start)] == [
            "user.created",
            "user.updated",
            "user.deleted",
        ]
        assert verify().endswith("chain intact")


def test_the_chain_verifies_after_every_path(
    admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = UserFactory.create()
    admin.post(f"/admin/auth/user/{bob.pk}/change/", change_form(bob, first_name="Robert"))
    admin.post("/admin/auth/group/add/", {"name": "ops"})
    call_command("bootstrap", stdout=StringIO())
    assert AuditEvent.objects.count() > 10
    assert verify() == f"{AuditEvent.objects.count()} events, chain intact"
