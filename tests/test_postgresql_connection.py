"""The PostgreSQL backend (core/postgresql) and its connection settings (config/settings.py)."""

import time
from collections.abc import Iterator

import pytest
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


def test_a_prepared_search_is_planned_with_each_term() -> None:
    """A generic plan does not see the term: at a million users it walks the primary key for a
    rare one (~1.8 s) where the trigram indexes answer in ~15 ms. On a table this small the
    planner would keep custom plans anyway; the setting is what holds at scale."""
    UserFactory.create(username="needle")
    for _ in range(10):  # psycopg prepares from the fifth run on
        assert selectors.user_listing(search="needle").page(limit=51)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement ILIKE '%%LIKE%%'"
        )
        ((generic, custom),) = cursor.fetchall()
        cursor.execute("SHOW plan_cache_mode")
        ((mode,),) = cursor.fetchall()
    assert mode == "force_custom_plan"
    assert generic == 0
    assert custom > 0
