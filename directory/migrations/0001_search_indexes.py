"""Trigram indexes for `?search=` on PostgreSQL; nothing on SQLite.

Django's `icontains` is `UPPER(col::text) LIKE UPPER('%term%')`: a leading wildcard no B-tree
can serve, so without these every search scans the directory. pg_trgm's GIN indexes over the
same expressions can. auth_user and auth_group belong to Django's auth app, so the indexes are
created here, by name, with SQL that matches the lookup exactly.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = {
    "directory_user_username_trgm": ("auth_user", "username"),
    "directory_user_email_trgm": ("auth_user", "email"),
    "directory_user_first_name_trgm": ("auth_user", "first_name"),
    "directory_user_last_name_trgm": ("auth_user", "last_name"),
    "directory_group_name_trgm": ("auth_group", "name"),
}


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # A trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
