import importlib
import re

import pytest
from django.apps import apps
from django.db import IntegrityError, connection
from django.test import Client

from directory import selectors
from tests.conftest import BearerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRIGRAM_INDEXES = {
    "auth_user": {
        "directory_user_username_trgm",
        "directory_user_email_trgm",
        "directory_user_first_name_trgm",
        "directory_user_last_name_trgm",
        "directory_user_search_trgm",
    },
    "auth_group": {"directory_group_name_trgm"},
}


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.parametrize("table", TRIGRAM_INDEXES)
def test_search_has_trigram_indexes_on_postgresql_and_none_on_sqlite(table: str) -> None:
    if connection.vendor == "postgresql":
        assert TRIGRAM_INDEXES[table] <= index_names(table)
    else:
        assert not TRIGRAM_INDEXES[table] & index_names(table)


def test_search_finds_substrings_case_insensitively(client: Client, bearer: BearerFactory) -> None:
    match = UserFactory.create(username="Zebra_Crossing", email="z@example.com")
    UserFactory.create(username="other")
    response = client.get("/users/?search=RA_cro", headers=bearer())
    assert [user["id"] for user in response.json()["items"]] == [match.pk]


def test_the_compiled_search_can_use_the_trigram_indexes() -> None:
    """The search term is a bound parameter escaped in SQL; PostgreSQL folds it into a
    constant pattern, which the trigram indexes serve."""
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    statement = selectors.user_listing(search="needle").statements.count
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement.sql, statement.bind({"search": "needle"}))
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert set(re.findall(r"Index Scan on (\w+)", plan)) == {"directory_user_search_trgm"}


def test_a_search_term_cannot_reach_across_two_fields(
    client: Client, bearer: BearerFactory
) -> None:
    """The fields are searched as one text joined by U+001F (directory.models.SearchText):
    a term holding it is refused, so a match never spans the end of one field and the start
    of the next."""
    UserFactory.create(username="ends_with_x", email="y_starts@example.com")
    assert client.get("/users/?search=x%1Fy", headers=bearer()).status_code == 422
    assert client.get("/users/?search=xy", headers=bearer()).json()["items"] == []
    assert client.get("/users/?search=x_y", headers=bearer()).json()["items"] == []
    assert client.get("/users/?search=x%09y", headers=bearer()).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_the_search_index_migration_replaces_an_invalid_index_left_by_a_failed_build() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the index exists on PostgreSQL only")
    migration = importlib.import_module("directory.migrations.0007_user_search_text_index")
    index = migration.INDEX
    UserFactory.create_batch(2)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{index}"')
        with pytest.raises(IntegrityError):  # CONCURRENTLY leaves the failed index, invalid
            cursor.execute(
                f'CREATE UNIQUE INDEX CONCURRENTLY "{migration.INDEX}" ON auth_user ((1))'
            )

    with connection.schema_editor(atomic=False) as schema_editor:
        migration.create(apps, schema_editor)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indexrelid = to_regclass(%s)",
            [index],
        )
        ((valid, definition),) = cursor.fetchall()
    assert valid
    assert "gin_trgm_ops" in definition


def test_sqlite_tests_each_field_in_place_and_postgresql_their_joined_text() -> None:
    """On SQLite a scan (a term under 3 characters) reads each row's fields as they are
    (directory.models.ContainsAny), ~2x faster than joining them; PostgreSQL's trigram
    index is over the joined text (SearchText)."""
    sql = selectors.user_listing(search="zq").statements.page.sql
    if connection.vendor == "sqlite":
        assert "CHAR(31)" not in sql
        assert sql.count(" LIKE ") == 4
    else:
        assert sql.count(" LIKE ") == 1
        assert "CHR(31)" in sql
