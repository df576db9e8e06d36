import pytest
from django.db import connection
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRIGRAM_INDEXES = {
    "auth_user": {
        "directory_user_username_trgm",
        "directory_user_email_trgm",
        "directory_user_first_name_trgm",
        "directory_user_last_name_trgm",
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
