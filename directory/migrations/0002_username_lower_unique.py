"""Usernames unique regardless of case: a unique index on `lower(username)` (identity.usernames
looks users up by the same expression).

auth_user belongs to Django's auth app, so the index is created here, by name, in SQL both
SQLite and PostgreSQL accept. Existing users whose names differ only in case would make it
fail; the step before it stops the migration listing them, as only an operator can tell which
account to keep or rename (merging them would hand one person's groups and tokens to another).
"""

from django.core.management.base import CommandError
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "directory_user_username_lower_uniq"


def case_duplicates(apps: StateApps) -> list[list[str]]:
    """Groups of usernames equal under the database's own lower(), the index's expression."""
    users = apps.get_model("auth", "User").objects
    clashes = (
        users.annotate(key=Lower("username"))
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("key", flat=True)
    )
    names = (
        users.annotate(key=Lower("username"))
        .filter(key__in=list(clashes))
        .values_list("key", "username")
    )
    groups: dict[str, list[str]] = {}
    for key, username in names:
        groups.setdefault(key, []).append(username)
    # Sorted here, by code point: the same list whatever the database's collation.
    return sorted(sorted(group) for group in groups.values())


def refuse_case_duplicates(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    duplicates = case_duplicates(apps)
    if duplicates:
        listed = "; ".join(", ".join(group) for group in duplicates)
        # CommandError: `manage.py migrate` prints the message alone, not a traceback.
        raise CommandError(
            "Usernames must be unique regardless of case, and these users differ only in "
            f"case: {listed}. Rename or delete all but one of each, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_search_indexes")]
    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop, elidable=False),
        migrations.RunSQL(
            f'CREATE UNIQUE INDEX "{INDEX}" ON "auth_user" (lower("username"))',
            f'DROP INDEX IF EXISTS "{INDEX}"',
            elidable=False,
        ),
    ]
