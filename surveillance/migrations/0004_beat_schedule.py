"""Formerly created the default beat schedule. Periodic tasks are now declared next to the tasks
(orin.periodic) and installed after every migrate, so this migration does nothing; it stays so
existing databases keep a consistent migration history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("surveillance", "0003_partition_archives"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
