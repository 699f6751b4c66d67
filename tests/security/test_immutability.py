"""audit_logs is append-only for everyone, the application's own role and the superuser included;
rows leave only when partition retention drops a whole month."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditLog
from accounts.services.audit import record_access
from surveillance.services.partitions import create_partition, partition_name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_logs SET action = 'tampered' WHERE id = %s", "DELETE FROM audit_logs WHERE id = %s"],
)
def test_update_and_delete_fail_even_for_the_superuser(statement):
    row = record_access(None, "export", "event")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [row.id])
    assert AuditLog.objects.get(id=row.id).action == "export"


@pytest.mark.django_db
def test_orm_delete_and_update_fail_too():
    record_access(None, "export", "event")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.update(action="x")


@pytest.mark.django_db(transaction=True)
def test_update_and_delete_fail_for_the_application_role(app_role_dsn):
    row = record_access(None, "export", "event")
    with psycopg.connect(app_role_dsn, autocommit=True) as conn:
        conn.execute("SELECT set_config('app.user_role', 'service', false)")
        assert conn.execute("SELECT count(*) FROM audit_logs WHERE id = %s", [row.id]).fetchone() == (1,)
        for statement in ("UPDATE audit_logs SET action = 'x' WHERE id = %s", "DELETE FROM audit_logs WHERE id = %s"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, [row.id])
        conn.execute(
            'INSERT INTO audit_logs (id, action, resource_type, details, "timestamp")'
            " VALUES (gen_random_uuid(), 'probe', 'system', '{}', now())"
        )
    assert AuditLog.objects.get(id=row.id).action == "export"
    assert AuditLog.objects.filter(action="probe").count() == 1


@pytest.mark.django_db(transaction=True)
def test_retention_drops_whole_partitions():
    month = dt.date(2020, 1, 1)
    create_partition("audit_logs", month)
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO audit_logs (id, action, resource_type, details, "timestamp")'
            " VALUES (gen_random_uuid(), 'old', 'system', '{}', '2020-01-15')"
        )
        cursor.execute(f"DROP TABLE {partition_name('audit_logs', month)}")
    assert not AuditLog.objects.filter(action="old").exists()
