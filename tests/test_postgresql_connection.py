"""The PostgreSQL backend (core/postgresql) and its connection settings (config/settings.py)."""

import importlib.util
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import pq
from psycopg.postgres import types

from core.postgresql.base import TimestamptzLoader
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


TIMESTAMPTZ_OID = types["timestamptz"].oid


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


MOMENTS = [
    datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(1901, 12, 13, 20, 45, 52, 10, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=45))),
]


def loaded(register: Callable[[Any], None]) -> list[datetime]:
    with connection.cursor() as cursor:
        register(cursor.cursor)
        cursor.execute("SELECT unnest(%s::timestamptz[])", [MOMENTS])
        return [value for (value,) in cursor.fetchall()]


def test_timestamptz_is_read_as_django_s_loader_reads_it() -> None:
    """The backend's loader (psycopg's C one) against Django's (pure Python), on one session."""
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
    assert loader is TimestamptzLoader

    ours = loaded(lambda cursor: cursor.adapters.register_loader("timestamptz", loader))
    djangos = loaded(lambda cursor: register_tzloader(connection.timezone, cursor))
    assert ours == djangos == MOMENTS
    assert {value.tzinfo for value in ours + djangos} == {UTC}


@pytest.mark.skipif(importlib.util.find_spec("psycopg_binary") is None, reason="no C module")
def test_timestamptz_is_parsed_in_c_when_psycopg_has_its_c_module() -> None:
    assert TimestamptzLoader.psycopg_loader.__module__.startswith("psycopg_binary")


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
