"""One trigram index for `?search=` on PostgreSQL: over a user's username, email and names
joined by U+001F (directory.models.SearchText), the expression Django's `icontains` on it
reads, `UPPER((…)::text)`. A search reads this one index where a condition per column read
the four of migration 0001 (~2.4 ms for a rare term at a million users, against ~0.5 ms);
those stay for SCIM's filters on single attributes. Nothing on SQLite, which has its
full-text table (migration 0004).

Built CONCURRENTLY, outside a transaction, so a directory in use keeps taking writes while it
is built (~10 s at a million users). A build that failed leaves an invalid index behind, which
`IF NOT EXISTS` would keep: running the migration again drops it and builds it anew.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX = "directory_user_search_trgm"
TEXT = '"username" || CHR(31) || "email" || CHR(31) || "first_name" || CHR(31) || "last_name"'


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [INDEX]
        )
        invalid = cursor.fetchone()
    if invalid and invalid[0]:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{INDEX}"')
    schema_editor.execute(
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{INDEX}" ON "auth_user" '
        f"USING gin ((UPPER(({TEXT})::text)) gin_trgm_ops)"
    )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("directory", "0006_external_ids")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
