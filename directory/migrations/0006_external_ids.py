"""SCIM's externalId of users and groups (directory.models, directory/scim)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("directory", "0005_group_name_lower_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupExternalId",
            fields=[
                (
                    "group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="scim_external_id",
                        serialize=False,
                        to="auth.group",
                    ),
                ),
                ("external_id", models.CharField(max_length=255, unique=True)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="UserExternalId",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="scim_external_id",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("external_id", models.CharField(max_length=255, unique=True)),
            ],
            options={
                "default_permissions": (),
            },
        ),
    ]
