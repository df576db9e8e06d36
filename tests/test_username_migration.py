"""directory's migration 0002 (the unique index on lower(username)) on a directory that already
holds users differing only in case: it stops, listing them, and merges nothing."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

INDEX = "directory_user_username_lower_uniq"
BEFORE = ("directory", "0001_search_indexes")
WITH_INDEX = ("directory", "0002_username_lower_unique")


def has_index() -> bool:
    with connection.cursor() as cursor:
        return INDEX in connection.introspection.get_constraints(cursor, "auth_user")


def migrate(target: tuple[str, str]) -> None:
    MigrationExecutor(connection).migrate([target])


def migrate_to_the_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_the_index(transactional_db: None) -> Iterator[None]:
    """The schema as it was before 0002; migrated to the latest afterwards, duplicates gone.
    Transactional: SQLite's schema editor refuses to run inside the test's transaction."""
    migrate(BEFORE)
    try:
        yield
    finally:
        # In SQL: the ORM's cascade would reach models of later migrations (SCIM's
        # externalIds), whose tables do not exist yet.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM auth_user")
        migrate_to_the_latest()


@pytest.mark.usefixtures("before_the_index")
def test_the_migration_stops_listing_the_case_duplicates() -> None:
    for name in ("dup", "DUP", "Dup", "solo", "twin", "TWIN"):
        User.objects.create(username=name)
    with pytest.raises(CommandError) as stopped:
        migrate(WITH_INDEX)
    assert "differ only in case: DUP, Dup, dup; TWIN, twin." in str(stopped.value)
    assert not has_index()
    assert User.objects.count() == 6


@pytest.mark.usefixtures("before_the_index")
def test_the_migration_creates_the_index_once_the_duplicates_are_renamed() -> None:
    User.objects.create(username="dup")
    renamed = User.objects.create(username="DUP")
    with pytest.raises(CommandError):
        migrate(WITH_INDEX)
    renamed.username = "dup2"
    renamed.save()
    migrate(WITH_INDEX)
    assert has_index()
    assert sorted(User.objects.values_list("username", flat=True)) == ["dup", "dup2"]


@pytest.mark.django_db
def test_the_index_exists_on_a_migrated_database() -> None:
    assert has_index()
