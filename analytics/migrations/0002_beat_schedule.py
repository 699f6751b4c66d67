"""Formerly the beat entry for closing quiet tracks; periodic tasks are now declared on the task
(orin.periodic) and installed after every migrate, so this migration does nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
    ]

    operations = []
