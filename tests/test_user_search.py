"""`GET /users/?search=`: on SQLite, terms of 3 characters or more are read from a full-text
index (directory.models.UserSearch, migration 0004) kept by triggers; shorter ones scan. The
users found are always those of `selectors.user_list`, the search's definition."""

import json

import pytest
from django.db import connection
from django.test import Client

from directory import selectors
from directory.models import USER_SEARCH
from tests.conftest import BearerFactory
from tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

# FTS5 query syntax, quotes, LIKE wildcards and a letter SQLite's LIKE does not fold.
NAMES = ['x"y z', "a AND b", "NEAR(q", "st*r", "^cap", "100%", "a_n", "Renée", "col:on"]
TERMS = ['x"y', '"', "AND b", "NEAR(", "st*", "^ca", "00%", "a_n", "renée", "NÉE", "l:o", "ab"]


def found(client: Client, term: str, headers: dict[str, str]) -> list[int]:
    response = client.get("/users/", {"search": term, "limit": "100"}, headers=headers)
    assert response.status_code == 200, response.content
    return [user["id"] for user in response.json()["items"]]


def expected(term: str) -> list[int]:
    return list(selectors.user_list(search=term).values_list("id", flat=True))


@pytest.mark.parametrize("term", TERMS)
def test_a_search_finds_the_users_the_search_defines(
    client: Client, bearer: BearerFactory, term: str
) -> None:
    for name in NAMES:
        UserFactory.create(username=name, first_name="Ann", last_name="Ab")
    UserFactory.create(last_name="RENÉE")
    UserFactory.create_batch(3)
    auth = bearer()
    assert found(client, term, auth) == expected(term)


def test_a_search_has_the_users_last_writes(client: Client, bearer: BearerFactory) -> None:
    auth = bearer(user=SuperuserFactory.create())
    created = client.post(
        "/users/",
        json.dumps({"username": "kestrel", "password": "a-long-enough-passphrase-1"}),
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 201, created.content
    user_id = created.json()["id"]
    assert found(client, "STREL", auth) == [user_id]
    renamed = client.patch(
        f"/users/{user_id}/",
        json.dumps({"username": "falcon", "last_name": "Peregrine"}),
        content_type="application/json",
        headers=auth,
    )
    assert renamed.status_code == 200, renamed.content
    assert found(client, "strel", auth) == []
    assert found(client, "alco", auth) == [user_id]
    assert found(client, "egrin", auth) == [user_id]
    assert client.delete(f"/users/{user_id}/", headers=auth).status_code == 204
    assert found(client, "alco", auth) == []


def test_the_full_text_index_exists_on_sqlite_only() -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert (USER_SEARCH in tables) == (connection.vendor == "sqlite")


@pytest.mark.parametrize(("term", "indexed"), [("ann", True), ("an", False)])
def test_on_sqlite_a_search_of_three_characters_reads_the_index_in_order(
    term: str, indexed: bool
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's search is served by trigram indexes (test_search_indexes)")
    statement = selectors.user_listing(search=term).statements.page_after
    with connection.cursor() as cursor:
        values = {"search": term, "after_0": 1, "limit": 51, "offset": 0}
        cursor.execute("EXPLAIN QUERY PLAN " + statement.sql, statement.bind(values))
        plan = "\n".join(row[-1] for row in cursor.fetchall())
    assert (f"SCAN {USER_SEARCH} VIRTUAL TABLE" in plan) == indexed
    assert "TEMP B-TREE" not in plan
