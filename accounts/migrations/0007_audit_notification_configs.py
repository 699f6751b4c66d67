"""Audit the notification configs added by alerts 0003 (webhook secrets, e-mail recipients),
with the trigger installer of accounts 0006."""

from django.db import migrations

TABLES = [("webhook_configs", "webhook_config"), ("email_configs", "email_config")]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_audit_triggers_and_rls"),
        ("alerts", "0003_rule_routing_folding_delivery"),
    ]

    operations = [
        migrations.RunSQL(
            "\n".join(f"SELECT orin_audit_table('{table}', '{resource}');" for table, resource in TABLES),
            "\n".join(
                f"DROP TRIGGER IF EXISTS trg_audit_{table}_{op} ON {table};"
                for table, _ in TABLES
                for op in ("insert", "update", "delete")
            ),
        )
    ]
