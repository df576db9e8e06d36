"""The index SCIM reads a resource's meta.lastModified from (directory.scim.selectors)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_anchors"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["target_type", "target_id", "at"], name="audit_event_target_at"
            ),
        ),
    ]
