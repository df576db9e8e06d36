"""core.compiled: the selectors' SQL written once per database, checked against the ORM's
reading of the same querysets with the values in place (CI runs this on SQLite and
PostgreSQL)."""

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import JSONObject
from pytest_django import DjangoAssertNumQueries

from core.compiled import CompiledQuery, Param
from core.renderers import ORJSONRenderer
from directory import selectors
from directory.schemas import GroupOut, UserOut
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCHES = [None, "ann", "ANN", "%", "_", "\\", "a_n", "100%", "é"]


def orm_users(users: QuerySet[User], limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The users as the API's writes show them: ORM instances dumped by UserOut."""
    page = users.annotate(group_ids=selectors.GROUP_IDS)[offset : offset + limit]
    return [UserOut.of(user).model_dump() for user in page]


def orm_groups(groups: QuerySet[Group]) -> list[dict[str, Any]]:
    return [GroupOut.model_validate(group).model_dump() for group in groups]


def assert_same_items(page: list[Any], expected: list[dict[str, Any]]) -> None:
    """Equal as values, and written the same by the API's renderer."""
    assert page == expected
    assert ORJSONRenderer.dumps(page) == ORJSONRenderer.dumps(expected)


@pytest.fixture
def directory() -> list[Group]:
    groups = GroupFactory.create_batch(3)
    for name in ("anna", "a_na", "joanne", "100%", "back\\slash", "bob", "renée"):
        UserFactory.create(username=name).groups.set(groups[:2])
    UserFactory.create_batch(4)
    return groups


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize("search", SEARCHES)
def test_a_user_page_and_count_equal_the_orms(
    search: str | None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    listing = selectors.user_listing(search=search)
    expected = selectors.user_list(search=search)
    for limit, offset in [(50, 0), (2, 1), (3, 9)]:
        with django_assert_num_queries(1):
            page = listing.page(limit=limit, offset=offset)
        assert_same_items(page, orm_users(expected, limit, offset))
    total = expected.count()
    with django_assert_num_queries(1):
        assert listing.count() == total


@pytest.mark.parametrize("search", SEARCHES)
def test_a_group_page_and_count_equal_the_orms(search: str | None) -> None:
    for name in ("anna", "a_na", "100%", "ops"):
        GroupFactory.create(name=name)
    listing = selectors.group_listing(search=search)
    expected = selectors.group_list(search=search)
    assert_same_items(listing.page(limit=50, offset=0), orm_groups(expected))
    assert listing.count() == expected.count()


def test_members_equal_the_orms(directory: list[Group]) -> None:
    for group in directory:
        listing = selectors.member_listing(group=group)
        expected = selectors.member_list(group_id=group.pk)
        for limit, offset in [(50, 0), (2, 1), (3, 4)]:
            page = listing.page(limit=limit, offset=offset)
            members = User.objects.filter(pk__in=expected.values("user_id")).order_by("id")
            assert_same_items(page, orm_users(members, limit, offset))
        assert listing.count() == expected.count()


def test_an_offset_page_on_postgresql_picks_its_keys_before_building_rows() -> None:
    """PostgreSQL would build every skipped row (its group ids too); SQLite skips rows unbuilt,
    and its plain page is the faster."""
    statements = selectors.user_listing(search="ann").statements
    skipping = statements.page_skipping.sql
    if connection.vendor == "postgresql":
        assert '"auth_user"."id" IN (SELECT' in skipping
        assert skipping.count("OFFSET") == 1
    else:
        assert skipping == statements.page.sql


def test_one_user_is_one_query_without_a_limit(
    directory: list[Group], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    user = User.objects.get(username="anna")
    with django_assert_num_queries(1) as captured:
        row = selectors.user_row(user_id=user.pk)
    assert row is not None
    assert [row.model_dump()] == orm_users(User.objects.filter(pk=user.pk))
    assert "LIMIT" not in captured.captured_queries[0]["sql"].upper()
    assert selectors.user_row(user_id=user.pk + 1000) is None


def test_values_are_bound_by_name_and_never_written_into_the_sql() -> None:
    UserFactory.create(username="o'brien")
    query = CompiledQuery(
        User.objects.filter(username=Param("name")).values(row=JSONObject(name="username"))
    )
    bound = query.bind(name="o'brien")
    assert "o'brien" not in bound.statements.rows.sql
    assert bound.rows() == [{"name": "o'brien"}]


def test_a_missing_or_unknown_parameter_is_refused() -> None:
    query = CompiledQuery(User.objects.filter(pk=Param("user_id")).values(row=F("username")))
    with pytest.raises(TypeError, match="user_id"):
        query.bind().rows()
    with pytest.raises(TypeError, match="user_id"):
        query.bind(user_id=1, search="x").rows()


def test_a_param_the_orm_does_not_bind_is_refused() -> None:
    """A Param outside what the statement compiles (here, an annotation the count drops)
    surfaces as an error, not as a statement run without it."""
    query = CompiledQuery(
        User.objects.annotate(name=Param("name")).values(row=F("username")).order_by("id")
    )
    with pytest.raises(TypeError, match="name"):
        query.bind(name="x").count()
