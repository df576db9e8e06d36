"""An index on `lower(name)` of groups: SCIM's `displayName` is caseExact false (RFC 7643 §4.2),
so `displayName eq "x"`, which Entra ID and Okta send to find a group before they create it,
compares `lower(name)` (directory.scim.filters), and without this index reads every group.

Not unique: group names are unique as they are written (auth_group's own index), and two groups
may differ only in case. auth_group belongs to Django's auth app, so the index is created here,
by name, in SQL both SQLite and PostgreSQL accept.
"""

from django.db import migrations

INDEX = "directory_group_name_lower"


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_user_search")]
    operations = [
        migrations.RunSQL(
            f'CREATE INDEX "{INDEX}" ON "auth_group" (lower("name"))',
            f'DROP INDEX IF EXISTS "{INDEX}"',
            elidable=False,
        )
    ]
