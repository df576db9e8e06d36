"""The PostgreSQL backend (core/postgresql) and its connection settings (config/settings.py)."""

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from directory import selectors
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def other() -> Iterator[BaseDatabaseWrapper]:
    """A second connection to the test database, outside the test's transaction."""
    wrapper = connection.copy()
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def backend_pid(wrapper: BaseDatabaseWrapper) -> int:
    return int(wrapper.connection.info.backend_pid)


def last_query(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        ((query,),) = cursor.fetchall()
        return str(query)


def test_an_idle_connection_is_usable_without_a_query(other: BaseDatabaseWrapper) -> None:
    with other.cursor() as cursor:
        cursor.execute("SELECT 'the last query'")

    assert other.is_usable()
    assert last_query(backend_pid(other)) == "SELECT 'the last query'"


def test_a_connection_the_server_ended_is_not_usable(other: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid(other)])
    for _ in range(100):  # the server's message reaches the socket soon after
        if not other.is_usable():
            break
        time.sleep(0.01)

    assert not other.is_usable()


def test_json_comes_as_text_as_jsonb_does() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT json_build_object('a', 1), jsonb_build_object('a', 1)")
        built, built_binary = cursor.fetchone()

    assert isinstance(built, str)
    assert isinstance(built_binary, str)


def prepared_statements() -> dict[str, tuple[int, int]]:
    """The connection's prepared statements: their SQL, and generic and custom plans made."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


def test_a_search_is_never_prepared_so_each_term_is_planned() -> None:
    """A generic plan does not see the term: at a million users it walks the primary key for a
    rare one (~2 s) where the trigram indexes answer in ~2 ms."""
    UserFactory.create(username="needle")
    for _ in range(10):
        assert selectors.user_listing(search="needle").page(limit=51)

    assert not [sql for sql in prepared_statements() if "LIKE" in sql]


def test_a_compiled_read_is_prepared_and_then_served_by_a_generic_plan() -> None:
    user = UserFactory.create()
    for _ in range(10):
        assert selectors.user_row(user_id=user.pk)

    (generic, custom), *others = [
        plans for sql, plans in prepared_statements().items() if 'FROM "auth_user" WHERE' in sql
    ]
    assert not others
    assert custom == 5  # PostgreSQL's default plan_cache_mode (auto): then the generic plan
    assert generic == 5


def test_the_orm_s_statements_are_not_prepared() -> None:
    user = UserFactory.create()
    for _ in range(10):
        assert User.objects.filter(pk=user.pk).exists()

    assert not [sql for sql in prepared_statements() if 'AS "a" FROM "auth_user"' in sql]


def random_page_cost(wrapper: BaseDatabaseWrapper) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        ((cost,),) = cursor.fetchall()
        return str(cost)


def test_random_page_cost_is_an_ssd_s() -> None:
    assert random_page_cost(connection) == "1.1"


def test_database_url_options_set_another_random_page_cost() -> None:
    wrapper = connection.copy()
    options = wrapper.settings_dict["OPTIONS"]
    options["options"] = f"{options['options']} -c random_page_cost=2"
    try:
        assert random_page_cost(wrapper) == "2"
    finally:
        wrapper.close()
