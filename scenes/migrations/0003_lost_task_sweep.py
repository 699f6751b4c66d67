"""The sweep for lost describe tasks: `next_attempt_at` on descriptions (the beat entry is
declared on the task, orin.periodic)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_beat_schedule"),
        ("scenes", "0002_audit_describer_config"),
        ("surveillance", "0004_beat_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="scenedescription",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="scenedescription",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "sending"])),
                fields=["next_attempt_at"],
                name="idx_scene_desc_unfinished",
            ),
        ),
    ]
