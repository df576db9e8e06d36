"""Services and selectors on their own, below the HTTP layer."""

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from pytest_django import DjangoAssertNumQueries

from core.errors import Conflict, Forbidden, NotFound
from directory import selectors, services
from tests.factories import PASSWORD, GroupFactory, SuperuserFactory, UserFactory
from tests.test_queries import AUDIT

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Strong-Passphrase-7"


def holder(permission: str) -> User:
    """An ordinary user with just `permission`: a superuser would hide a missing check."""
    user: User = UserFactory.create(permissions=[permission])
    return user


def test_user_create_hashes_through_django_and_normalises_email() -> None:
    user = services.user_create(
        actor=holder("auth.add_user"),
        username="dana",
        password=NEW_PASSWORD,
        email="Dana@EXAMPLE.org",
    )
    assert user.password.startswith("md5$")  # the test settings' hasher, i.e. make_password
    assert user.check_password(NEW_PASSWORD)
    assert user.email == "Dana@example.org"


def test_user_create_needs_add_user() -> None:
    with pytest.raises(Forbidden):
        services.user_create(actor=UserFactory.create(), username="dana", password=NEW_PASSWORD)
    assert not User.objects.filter(username="dana").exists()


def test_user_create_runs_the_password_validators_against_the_user() -> None:
    with pytest.raises(ValidationError) as caught:
        services.user_create(
            actor=holder("auth.add_user"), username="dana-smith-99", password="dana-smith-99"
        )
    assert "password" in caught.value.message_dict
    assert not User.objects.filter(username="dana-smith-99").exists()


def test_user_create_turns_a_taken_username_into_conflict() -> None:
    UserFactory.create(username="dana")
    with pytest.raises(Conflict):
        services.user_create(actor=holder("auth.add_user"), username="dana", password=PASSWORD)


def test_user_update_saves_only_the_fields_that_change(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    user = UserFactory.create(first_name="Ann", last_name="Lee", is_active=True)
    same = {"first_name": "Ann", "last_name": "Lee", "is_active": True}
    with django_assert_num_queries(0):  # unchanged: not even the is_active permission check
        services.user_update(actor=user, user=user, data=same)
    # savepoint, UPDATE, the audit event (tests/test_queries.py: AUDIT), release
    with django_assert_num_queries(3 + AUDIT) as captured:
        services.user_update(actor=user, user=user, data={**same, "first_name": "Anne"})
    (update,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert "first_name" in update
    assert "last_name" not in update
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Anne", "Lee")


@pytest.mark.parametrize(
    "data", [{"first_name": "Changed"}, {"is_active": False}, {"password": NEW_PASSWORD}]
)
def test_user_update_of_another_user_needs_change_user_and_changes_nothing_without(
    data: dict[str, Any],
) -> None:
    target = UserFactory.create()
    before = User.objects.values().get(pk=target.pk)
    with pytest.raises(Forbidden):
        services.user_update(actor=UserFactory.create(), user=target, data=data)
    assert User.objects.values().get(pk=target.pk) == before


def test_own_is_active_needs_change_user() -> None:
    user = UserFactory.create()
    with pytest.raises(Forbidden):
        services.user_update(actor=user, user=user, data={"is_active": False})


@pytest.mark.parametrize(
    ("current", "message"),
    [
        (None, services.CURRENT_PASSWORD_MISSING),
        ("", services.CURRENT_PASSWORD_MISSING),
        ("wrong", services.CURRENT_PASSWORD_WRONG),
    ],
)
def test_a_new_own_password_needs_the_current_one(current: str | None, message: str) -> None:
    user = UserFactory.create()
    data = {"password": NEW_PASSWORD} | ({} if current is None else {"current_password": current})
    with pytest.raises(ValidationError) as caught:
        services.user_update(actor=user, user=user, data=data)
    assert caught.value.message_dict == {"current_password": [message]}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_new_own_password_with_the_current_one_is_saved() -> None:
    user = UserFactory.create()
    data = {"password": NEW_PASSWORD, "current_password": PASSWORD}
    services.user_update(actor=user, user=user, data=data)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_change_user_sets_another_users_password_without_knowing_it() -> None:
    target = UserFactory.create()
    services.user_update(
        actor=holder("auth.change_user"), user=target, data={"password": NEW_PASSWORD}
    )
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)


def test_user_update_runs_the_password_validators_with_the_new_profile() -> None:
    user = UserFactory.create()
    data = {"username": "marguerite-99", "password": "marguerite-99"}
    with pytest.raises(ValidationError) as caught:
        services.user_update(actor=holder("auth.change_user"), user=user, data=data)
    assert "password" in caught.value.message_dict


def test_user_update_onto_a_taken_username_is_a_conflict() -> None:
    UserFactory.create(username="taken")
    user = UserFactory.create()
    with pytest.raises(Conflict):
        services.user_update(actor=user, user=user, data={"username": "taken"})


def test_updating_a_user_deleted_meanwhile_is_not_found() -> None:
    """A PATCH racing a DELETE: the PATCH read the user, the DELETE committed first."""
    user = UserFactory.create()
    loaded = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).delete()
    with pytest.raises(NotFound):
        services.user_update(
            actor=SuperuserFactory.create(), user=loaded, data={"first_name": "Late"}
        )


def test_renaming_a_group_deleted_meanwhile_is_not_found() -> None:
    group = GroupFactory.create()
    loaded = Group.objects.get(pk=group.pk)
    Group.objects.filter(pk=group.pk).delete()
    with pytest.raises(NotFound):
        services.group_update(actor=SuperuserFactory.create(), group=loaded, name="late")
    assert not Group.objects.filter(name="late").exists()


def test_user_delete_needs_delete_user_and_rank() -> None:
    root = SuperuserFactory.create()
    manager = UserFactory.create(permissions=["auth.delete_user"])
    with pytest.raises(Forbidden):
        services.user_delete(actor=UserFactory.create(), user=manager)
    with pytest.raises(Forbidden):
        services.user_delete(actor=manager, user=root)
    assert User.objects.filter(pk__in=[root.pk, manager.pk]).count() == 2
    services.user_delete(actor=root, user=manager)
    assert not User.objects.filter(pk=manager.pk).exists()


def test_group_membership_add_is_idempotent_and_remove_tolerates_absence() -> None:
    actor = holder("auth.change_user")
    group, user = GroupFactory.create(), UserFactory.create()
    services.group_add_member(actor=actor, group=group, user=user)
    services.group_add_member(actor=actor, group=group, user=user)
    assert list(group.user_set.values_list("pk", flat=True)) == [user.pk]
    services.group_remove_member(actor=actor, group=group, user=user)
    services.group_remove_member(actor=actor, group=group, user=user)
    assert not group.user_set.exists()


def test_group_writes_need_their_model_permission() -> None:
    nobody, user = UserFactory.create(), UserFactory.create()
    group = GroupFactory.create(name="kept")
    for write in (
        lambda: services.group_create(actor=nobody, name="new"),
        lambda: services.group_update(actor=nobody, group=group, name="renamed"),
        lambda: services.group_update(actor=nobody, group=group, name=None),
        lambda: services.group_delete(actor=nobody, group=group),
        lambda: services.group_add_member(actor=nobody, group=group, user=user),
    ):
        with pytest.raises(Forbidden):
            write()
    group.refresh_from_db()
    assert (group.name, group.user_set.exists()) == ("kept", False)
    assert not Group.objects.filter(name="new").exists()


def test_group_rename_onto_a_taken_name_is_a_conflict_and_changes_nothing() -> None:
    GroupFactory.create(name="taken")
    group = GroupFactory.create(name="free")
    with pytest.raises(Conflict):
        services.group_update(actor=holder("auth.change_group"), group=group, name="taken")
    group.refresh_from_db()
    assert group.name == "free"


def test_user_search_selects_by_any_name_field() -> None:
    UserFactory.create(username="zed", first_name="Zora", last_name="Quux", email="z@q.io")
    for term in ("ZED", "zor", "quu", "z@q"):
        assert [u.username for u in selectors.user_list(search=term)] == ["zed"]
        page = selectors.user_listing(search=term).page(limit=5, offset=0)
        assert [row["username"] for row in page] == ["zed"]
