"""directory.prepared: list SQL compiled once per database, checked against the ORM's reading
of the same querysets on each database (CI runs this on SQLite and PostgreSQL)."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import QuerySet
from pytest_django import DjangoAssertNumQueries

from directory import selectors
from directory.prepared import PreparedQuery
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def _orm_rows(queryset: QuerySet[Any, Any], limit: int = 50, offset: int = 0) -> list[Any]:
    return [value["row"] for value in queryset[offset : offset + limit]]


@pytest.mark.parametrize("search", [None, "ann", "%", "_", "\\", "a_n", "100%"])
def test_a_prepared_page_and_count_equal_the_orms(
    search: str | None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    groups = GroupFactory.create_batch(3)
    for name in ("anna", "a_na", "joanne", "100%", "back\\slash", "bob"):
        UserFactory.create(username=name).groups.set(groups[:2])
    UserFactory.create_batch(4)
    listing = selectors.user_listing(search=search)
    expected = selectors.user_rows(search=search)
    for limit, offset in [(50, 0), (2, 1), (3, 9)]:
        with django_assert_num_queries(1):
            page = listing.page(limit=limit, offset=offset)
        assert page == _orm_rows(expected, limit, offset)
    total = expected.count()
    with django_assert_num_queries(1):
        assert listing.count() == total


def test_members_and_groups_listings_equal_the_orms() -> None:
    group, other = GroupFactory.create_batch(2)
    for user in UserFactory.create_batch(3):
        user.groups.add(group)
    UserFactory.create().groups.add(other)
    members = selectors.group_member_listing(group=group)
    assert members.page(limit=50, offset=0) == _orm_rows(selectors.user_rows().filter(groups=group))
    assert members.count() == 3
    groups = selectors.group_listing(search=group.name)
    assert groups.page(limit=50, offset=0) == [{"id": group.pk, "name": group.name}]
    assert groups.count() == 1


def test_a_parameter_the_statement_does_not_bind_is_refused() -> None:
    ignored = PreparedQuery(User, lambda search: User.objects.values("id"), search=str)
    with pytest.raises(ValueError, match="search"):
        ignored.count()
