"""Formerly created the alerts app's beat entries. Periodic tasks are now declared next to the
tasks (orin.periodic) and installed after every migrate, so this migration does nothing; it stays
so existing databases keep a consistent migration history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_rule_routing_folding_delivery"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
