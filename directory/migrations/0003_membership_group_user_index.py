"""An index on memberships by (group_id, user_id): a group's members in user id order, so that
any page of GET /groups/{id}/members/ is one index range (directory.selectors.member_list).

Django's own indexes on auth_user_groups are (user_id, group_id), user_id and group_id: none
gives a group's members in order, and without one SQLite reads and sorts all of a group's
memberships for every page. The table belongs to Django's auth app, so the index is created
here, by name, in SQL both SQLite and PostgreSQL accept.
"""

from django.db import migrations

INDEX = "directory_membership_group_user"


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_username_lower_unique")]
    operations = [
        migrations.RunSQL(
            f'CREATE INDEX "{INDEX}" ON "auth_user_groups" ("group_id", "user_id")',
            f'DROP INDEX IF EXISTS "{INDEX}"',
            elidable=False,
        )
    ]
