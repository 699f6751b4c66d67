"""Audit triggers skip the cleaning functions for tables that have nothing to mask or walk (no
secret-named, JSON or URL column: alerts, for one). Those SQL functions hold sub-selects, so
PostgreSQL cannot inline them and calls them once per row: for a bulk batch of alerts that was
a quarter of the insert (bench/ingest.py). The audit row is the same either way. System rows
carry no client address, so the address index holds only the rows that have one."""

import importlib

from django.db import migrations

previous = importlib.import_module("accounts.migrations.0008_audit_secret_columns")
_CHANGES = previous.FORWARD[
    previous.FORWARD.index("CREATE OR REPLACE FUNCTION orin_audit_changes()") : previous.FORWARD.index(
        "DROP FUNCTION IF EXISTS orin_audit_table"
    )
]


def _plain_when_nothing_to_clean(function: str) -> str:
    function = function.replace("    deep text[];\n", "    deep text[];\n    plain boolean;\n", 1)
    function = function.replace(
        "    IF TG_OP = 'INSERT' THEN",
        "    plain := cardinality(masked) = 0 AND cardinality(deep) = 0;\n\n    IF TG_OP = 'INSERT' THEN",
        1,
    )
    for value in ("n.j - excluded", "c.changes", "o.j - excluded"):
        call = f"orin_audit_clean({value}, masked, deep)"
        assert call in function, call
        function = function.replace(call, f"CASE WHEN plain THEN {value} ELSE {call} END")
    return function


FORWARD = _plain_when_nothing_to_clean(_CHANGES)
REVERSE = _CHANGES

IP_INDEX = "CREATE INDEX IF NOT EXISTS idx_audit_logs_ip ON audit_logs (ip_address)"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_incident_and_export_grants")]

    operations = [
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunSQL(
            f"DROP INDEX IF EXISTS idx_audit_logs_ip; {IP_INDEX} WHERE ip_address IS NOT NULL",
            f"DROP INDEX IF EXISTS idx_audit_logs_ip; {IP_INDEX}",
        ),
    ]
