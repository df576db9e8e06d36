"""Services and selectors on their own, below the HTTP layer."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from directory import selectors, services
from directory.exceptions import Conflict
from tests.factories import PASSWORD, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_hashes_through_django_and_normalises_email() -> None:
    user = services.user_create(username="dana", password=PASSWORD, email="Dana@EXAMPLE.org")
    assert user.password.startswith("md5$")  # the test settings' hasher, i.e. make_password
    assert user.check_password(PASSWORD)
    assert user.email == "Dana@example.org"


def test_user_create_runs_the_password_validators_against_the_user() -> None:
    with pytest.raises(ValidationError) as caught:
        services.user_create(username="dana-smith-99", password="dana-smith-99")
    assert "password" in caught.value.message_dict
    assert not User.objects.filter(username="dana-smith-99").exists()


def test_user_create_turns_a_taken_username_into_conflict() -> None:
    UserFactory.create(username="dana")
    with pytest.raises(Conflict):
        services.user_create(username="dana", password=PASSWORD)


def test_user_update_saves_only_changed_fields() -> None:
    user = UserFactory.create(first_name="Ann")
    assert services.user_changed_fields(user=user, data={"first_name": "Ann"}) == set()
    services.user_update(user=user, data={"first_name": "Anne", "last_name": user.last_name})
    user.refresh_from_db()
    assert user.first_name == "Anne"


def test_user_update_checks_the_current_password_only_when_asked() -> None:
    user = UserFactory.create()
    with pytest.raises(ValidationError):
        services.user_update(
            user=user,
            data={},
            password=PASSWORD + "!",
            current_password="wrong",
            check_current_password=True,
        )
    services.user_update(user=user, data={}, password=PASSWORD + "!")
    user.refresh_from_db()
    assert user.check_password(PASSWORD + "!")


def test_group_membership_add_is_idempotent_and_remove_tolerates_absence() -> None:
    group, user = GroupFactory.create(), UserFactory.create()
    services.group_add_member(group=group, user=user)
    services.group_add_member(group=group, user=user)
    assert list(group.user_set.values_list("pk", flat=True)) == [user.pk]
    services.group_remove_member(group=group, user=user)
    services.group_remove_member(group=group, user=user)
    assert not group.user_set.exists()


def test_group_rename_onto_a_taken_name_is_a_conflict_and_changes_nothing() -> None:
    GroupFactory.create(name="taken")
    group = GroupFactory.create(name="free")
    with pytest.raises(Conflict):
        services.group_update(group=group, name="taken")
    group.refresh_from_db()
    assert group.name == "free"


def test_user_search_selects_by_any_name_field() -> None:
    UserFactory.create(username="zed", first_name="Zora", last_name="Quux", email="z@q.io")
    for term in ("ZED", "zor", "quu", "z@q"):
        assert [u.username for u in selectors.user_list(search=term)] == ["zed"]
