"""A group's members are read from memberships in (group_id, user_id) order
(directory.selectors.member_list, migration 0003): each page an index range, whatever its
depth and the group's size."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from directory import selectors
from tests.conftest import BearerFactory
from tests.factories import GroupFactory, UserFactory
from tests.test_keyset_pagination import ids, walk

pytestmark = pytest.mark.django_db

INDEX = "directory_membership_group_user"


@pytest.fixture
def team() -> Group:
    """A group of five users, who joined it in the reverse of their ids' order, among others
    in no group or in another."""
    users = UserFactory.create_batch(9)
    team, other = GroupFactory.create_batch(2)
    for user in reversed(users[1::2]):
        team.user_set.add(user)
    other.user_set.set(users[:4])
    return team


def test_members_by_next_are_the_groups_users_as_the_user_list_shows_them(
    client: Client, bearer: BearerFactory, team: Group
) -> None:
    """Every page shows the members as GET /users/ shows them, in id order."""
    member_ids = set(team.user_set.values_list("id", flat=True))
    users = walk(client, "/users/", bearer())
    expected = [item for page in users for item in page["items"] if item["id"] in member_ids]
    for limit in (1, 2, 50):
        pages = walk(client, f"/groups/{team.pk}/members/?limit={limit}", bearer())
        assert [item for page in pages for item in page["items"]] == expected
        assert ids(pages) == sorted(ids(pages))


def test_a_members_page_from_a_cursor_starts_past_it(
    client: Client, bearer: BearerFactory, team: Group
) -> None:
    members = list(team.user_set.order_by("id").values_list("id", flat=True))
    for cursor in [*members, members[0] - 1, members[-1] + 1]:
        url = (
            f"/groups/{team.pk}/members/?cursor={cursor}"
            if cursor
            else f"/groups/{team.pk}/members/"
        )
        body = client.get(url, headers=bearer()).json()
        assert [item["id"] for item in body["items"]] == [m for m in members if m > cursor]


def test_memberships_have_a_group_user_index_on_both_databases() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "auth_user_groups")
    assert constraints[INDEX]["columns"] == ["group_id", "user_id"]


def test_on_sqlite_a_deep_members_page_reads_the_index_in_order(team: Group) -> None:
    """The plan is a range of the group-user index, no sort of the group's memberships.
    PostgreSQL's planner chooses by cost, and on a few rows any plan is as cheap: `make bench`
    measures it at a million users."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan does not depend on the table's size")
    statement = selectors.member_listing(group=team).statements.page_after
    values = {"group_id": team.pk, "after_0": 1, "limit": 51, "offset": 0}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + statement.sql, statement.bind(values))
        plan = "\n".join(row[-1] for row in cursor.fetchall())
    assert f"SEARCH auth_user_groups USING COVERING INDEX {INDEX}" in plan
    assert "TEMP B-TREE" not in plan
