"""Audit the incident tables with the trigger installer of accounts 0006 (who changed what, in
audit_logs). Messages and transitions are themselves the incident's history and are not audited."""

from django.db import migrations

TABLES = [
    ("incidents", "incident"),
    ("incident_alerts", "incident_alert"),
    ("incident_evidence", "incident_evidence"),
    ("incident_sop_steps", "incident_sop_step"),
    ("incident_types", "incident_type"),
    ("incident_sla_policies", "incident_sla_policy"),
    ("incident_auto_open_policies", "incident_policy"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_defaults_and_schedule"),
        ("accounts", "0006_audit_triggers_and_rls"),
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
