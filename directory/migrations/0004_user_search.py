"""SQLite: a full-text index of users for `?search=` (directory.models.UserSearch); nothing on
PostgreSQL, where the trigram indexes of 0001 serve the search.

An FTS5 table with the trigram tokenizer (SQLite 3.34 or later) over username, email and
names, its rowid the user's id. It stores no copy of the text (`content='auth_user'`); triggers
on auth_user keep its index in step with every insert, update and delete, whoever makes them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import directory.models

TABLE = directory.models.USER_SEARCH
CREATE = [
    """CREATE VIRTUAL TABLE directory_user_search USING fts5(
        username, email, first_name, last_name,
        content='auth_user', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER directory_user_search_insert AFTER INSERT ON auth_user BEGIN
        INSERT INTO directory_user_search (rowid, username, email, first_name, last_name)
        VALUES (new.id, new.username, new.email, new.first_name, new.last_name);
    END""",
    """CREATE TRIGGER directory_user_search_delete AFTER DELETE ON auth_user BEGIN
        INSERT INTO directory_user_search
            (directory_user_search, rowid, username, email, first_name, last_name)
        VALUES ('delete', old.id, old.username, old.email, old.first_name, old.last_name);
    END""",
    """CREATE TRIGGER directory_user_search_update
    AFTER UPDATE OF id, username, email, first_name, last_name ON auth_user BEGIN
        INSERT INTO directory_user_search
            (directory_user_search, rowid, username, email, first_name, last_name)
        VALUES ('delete', old.id, old.username, old.email, old.first_name, old.last_name);
        INSERT INTO directory_user_search (rowid, username, email, first_name, last_name)
        VALUES (new.id, new.username, new.email, new.first_name, new.last_name);
    END""",
    # The users already there.
    "INSERT INTO directory_user_search (directory_user_search) VALUES ('rebuild')",
]
DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_{event}" for event in ("insert", "delete", "update")]
DROP.append(f"DROP TABLE IF EXISTS {TABLE}")


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("directory", "0003_membership_group_user_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSearch",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("text", directory.models.FullText(db_column=TABLE)),
            ],
            options={"db_table": TABLE, "managed": False, "default_permissions": ()},
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
