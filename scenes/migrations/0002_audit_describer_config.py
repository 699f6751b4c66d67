"""Audit changes to describer endpoints (API key column redacted by name), camera prompts and
the per-site privacy switch, with the trigger installer of accounts 0006."""

from django.db import migrations

TABLES = [
    ("scene_describer_endpoints", "describer_endpoint"),
    ("scene_camera_prompts", "scene_camera_prompt"),
    ("scene_site_privacy", "scene_site_privacy"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_audit_secret_columns"),
        ("scenes", "0001_initial"),
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
