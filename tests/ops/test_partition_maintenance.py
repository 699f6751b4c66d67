"""Daily partition maintenance against partitions in the past and the future, with the clock
moved by a fixture: what is created, rehomed, archived and dropped, and what never is."""

import csv
import datetime as dt
import gzip
import hashlib
import io
import threading
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import AuditLog
from surveillance.models import PartitionArchive, SystemHealthLog
from surveillance.services import partitions
from surveillance.services.locks import lock_key
from tests.factories import EventFactory
from tests.ops.conftest import partition_names

TABLES = list(partitions.PARTITIONED_TABLES)


def audit_row(when: dt.datetime, action: str = "test_action") -> AuditLog:
    return AuditLog.objects.create(action=action, resource_type="test", details={"note": "a,b\nc"}, timestamp=when)


def commit_like_production() -> None:
    """Rows made earlier in this test's transaction still have deferred FK checks pending, which
    PostgreSQL refuses a DROP for; in production they were committed long ago."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def archive_rows(archive: PartitionArchive) -> tuple[list[str], list[dict]]:
    with default_storage.open(archive.storage_path, "rb") as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == archive.checksum
    assert len(data) == archive.size_bytes
    reader = csv.DictReader(io.StringIO(gzip.decompress(data).decode()))
    return reader.fieldnames, list(reader)


@pytest.mark.django_db
def test_daily_run_creates_ahead_rehomes_archives_then_drops(clock, media_root):
    clock.set(dt.datetime(2040, 6, 15, 12, 0, tzinfo=dt.UTC))
    for table, month in [
        ("events", dt.date(2039, 5, 1)),  # 13 months old: expired
        ("events", dt.date(2039, 6, 1)),  # 12 months: kept
        ("events", dt.date(2041, 1, 1)),  # future: kept
        ("audit_logs", dt.date(2037, 5, 1)),  # 37 months: archived, then dropped
        ("audit_logs", dt.date(2037, 6, 1)),  # 36 months: kept
        ("system_health_logs", dt.date(2040, 2, 1)),  # ends 1 March, more than 90 days ago: dropped
        ("system_health_logs", dt.date(2040, 3, 1)),  # ends 1 April, within 90 days: kept
    ]:
        assert partitions.create_partition(table, month)
    old_event = EventFactory(timestamp=dt.datetime(2039, 5, 20, tzinfo=dt.UTC))
    kept_event = EventFactory(timestamp=dt.datetime(2039, 6, 2, tzinfo=dt.UTC))
    stray_event = EventFactory(timestamp=dt.datetime(2040, 4, 10, tzinfo=dt.UTC))  # no partition: default
    audited = [audit_row(dt.datetime(2037, 5, day, 9, tzinfo=dt.UTC), f"action-{day}") for day in (3, 4, 5)]
    stray_audit = audit_row(dt.datetime(2030, 1, 7, tzinfo=dt.UTC), "ancient")  # default, and long expired
    commit_like_production()

    report = partitions.run_partition_maintenance()

    assert not report.skipped and report.errors == []
    ahead = {partitions.partition_name(t, dt.date(2040, m, 1)) for t in TABLES for m in (6, 7, 8, 9)}
    assert ahead <= set(report.created)
    assert {"events_y2040m04", "audit_logs_y2030m01"} <= set(report.rehomed)
    expected_drops = {"events_y2039m05", "audit_logs_y2037m05", "audit_logs_y2030m01", "system_health_logs_y2040m02"}
    assert expected_drops <= set(report.dropped)
    kept = {"events_y2039m06", "events_y2041m01", "audit_logs_y2037m06", "system_health_logs_y2040m03"}
    assert not kept & set(report.dropped)
    assert len(report.dropped) == len(set(report.dropped))
    for table in TABLES:
        names = partition_names(table)
        assert {n for n in ahead if n.startswith(f"{table}_y")} <= names
        assert not names & expected_drops
        assert partitions.default_partition_rows(table) == 0
    assert kept <= set().union(*(partition_names(t) for t in TABLES))

    # Events: the expired month went with its partition, the others stayed (the stray one moved).
    from surveillance.models import Event

    assert not Event.objects.filter(id=old_event.id).exists()
    assert Event.objects.filter(id__in=[kept_event.id, stray_event.id]).count() == 2

    # Audit: exported as gzip CSV with a checksum, verified, recorded, and only then dropped.
    archive = PartitionArchive.objects.get(partition_name="audit_logs_y2037m05")
    assert archive.row_count == 3 and archive.dropped_at and archive.archived_at <= archive.dropped_at
    assert archive.storage_path in report.archived
    header, rows = archive_rows(archive)
    assert {"id", "action", "timestamp", "details"} <= set(header)
    assert sorted(row["id"] for row in rows) == sorted(str(a.id) for a in audited)
    assert {row["action"] for row in rows} == {"action-3", "action-4", "action-5"}
    assert all("a,b\\nc" in row["details"] for row in rows)  # quoted, not split
    ancient = PartitionArchive.objects.get(partition_name="audit_logs_y2030m01")
    assert [row["id"] for row in archive_rows(ancient)[1]] == [str(stray_audit.id)]
    assert not AuditLog.objects.filter(timestamp__lt=dt.datetime(2037, 6, 1, tzinfo=dt.UTC)).exists()

    # Progress and results are in the health log.
    logs = SystemHealthLog.objects.filter(component="partition_maintenance")
    assert [log.message for log in logs].count("started") == 1  # the frozen clock gives both one time
    final = logs.exclude(message="started").get()
    assert final.status == "online" and "archived" in final.message
    assert "audit_logs_y2037m05" in final.metrics["dropped"]

    # Idempotent: a second run finds nothing to do.
    again = partitions.run_partition_maintenance()
    assert (again.created, again.rehomed, again.dropped, again.errors) == ([], [], [], [])
    assert PartitionArchive.objects.filter(partition_name="audit_logs_y2037m05").count() == 1


@pytest.mark.django_db
def test_current_and_future_months_survive_any_retention_setting(settings):
    settings.ORIN_PARTITION_RETENTION = dict.fromkeys(TABLES, "0 days") | {"events": "0 months"}
    this_month = partitions.current_month()
    last_month = partitions.add_months(this_month, -1)
    partitions.create_partition("events", last_month)
    EventFactory(timestamp=dt.datetime.combine(last_month, dt.time(12), tzinfo=dt.UTC))
    commit_like_production()

    report = partitions.run_partition_maintenance()

    assert partitions.partition_name("events", last_month) in report.dropped
    for table in TABLES:
        names = partition_names(table)
        for ahead in range(4):
            assert partitions.partition_name(table, partitions.add_months(this_month, ahead)) in names
    # Asked directly, with a clock claiming to be months ahead, it still refuses.
    with pytest.raises(partitions.PartitionError, match="current or future"):
        partitions.drop_partition("events", this_month, today=partitions.add_months(this_month, 5))


@pytest.mark.django_db
def test_unreadable_retention_setting_is_reported_and_drops_nothing(settings):
    settings.ORIN_PARTITION_RETENTION = {"events": "twelve moons"}
    partitions.create_partition("events", dt.date(2001, 1, 1))

    report = partitions.run_partition_maintenance()

    assert any("twelve moons" in error and error.startswith("events") for error in report.errors)
    assert "events_y2001m01" in partition_names("events")
    final = SystemHealthLog.objects.filter(component="partition_maintenance").exclude(message="started").get()
    assert final.status == "degraded" and "1 error(s)" in final.message


@pytest.mark.django_db
def test_a_run_while_another_holds_the_lock_is_skipped(other_connection):
    key = lock_key(partitions.MAINTENANCE_LOCK)
    other_connection.execute("SELECT pg_advisory_lock(%s)", [key])
    partitions.create_partition("events", dt.date(2001, 2, 1))

    report = partitions.run_partition_maintenance()

    assert report.skipped and report.dropped == []
    assert "events_y2001m02" in partition_names("events")
    assert SystemHealthLog.objects.filter(component="partition_maintenance", message__startswith="skipped").exists()

    other_connection.execute("SELECT pg_advisory_unlock(%s)", [key])
    assert "events_y2001m02" in partitions.run_partition_maintenance().dropped


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_the_work_once(media_root, drop_partitions_after):
    this_month = partitions.current_month()
    ahead = {partitions.partition_name(t, partitions.add_months(this_month, n)) for t in TABLES for n in (4, 5, 6)}
    drop_partitions_after.extend(sorted(ahead) + ["events_y2001m05", "audit_logs_y2001m06"])
    partitions.create_partition("events", dt.date(2001, 5, 1))
    partitions.create_partition("audit_logs", dt.date(2001, 6, 1))
    EventFactory(timestamp=dt.datetime(2001, 5, 20, tzinfo=dt.UTC))
    audit_row(dt.datetime(2001, 6, 3, tzinfo=dt.UTC))
    audit_row(dt.datetime(2001, 6, 4, tzinfo=dt.UTC))
    start = threading.Barrier(2)
    reports, failures = [], []

    def beat_instance():
        try:
            start.wait(timeout=10)
            reports.append(partitions.run_partition_maintenance(months_ahead=6))
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat_instance) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == [] and len(reports) == 2
    assert all(r.errors == [] for r in reports)
    created = [name for r in reports for name in r.created]
    dropped = [name for r in reports for name in r.dropped]
    assert len(created) == len(set(created)) and set(created) == ahead
    assert sorted(dropped) == ["audit_logs_y2001m06", "events_y2001m05"]
    archive = PartitionArchive.objects.get(partition_name="audit_logs_y2001m06")
    assert archive.row_count == 2
    for table in TABLES:
        assert {n for n in ahead if n.startswith(f"{table}_y")} <= partition_names(table)


@pytest.mark.django_db
def test_a_claimed_future_today_cannot_drop_real_months(media_root):
    """A clock or caller claiming a date years ahead still leaves the real current and future
    months alone (they would all look expired from there)."""
    this_month = partitions.current_month()
    report = partitions.run_partition_maintenance(today=dt.date(this_month.year + 20, 1, 15), months_ahead=0)
    assert report.errors == []
    for table in TABLES:
        names = partition_names(table)
        for ahead in range(4):
            assert partitions.partition_name(table, partitions.add_months(this_month, ahead)) in names


def test_retention_settings_parse():
    assert partitions.parse_retention("12 months") == partitions.Retention(months=12)
    assert partitions.parse_retention(" 90 DAYS ") == partitions.Retention(days=90)
    assert partitions.Retention(days=90).cutoff(dt.date(2040, 6, 15)) == dt.date(2040, 3, 17)
    assert partitions.Retention(months=12).cutoff(dt.date(2040, 6, 15)) == dt.date(2039, 6, 1)
    for bad in ("", "-3 months", "12", "a year", str(uuid.uuid4())):
        with pytest.raises(partitions.PartitionError, match="not understood"):
            partitions.parse_retention(bad)


@pytest.mark.django_db
def test_maintain_partitions_command_retires_on_request(capsys):
    partitions.create_partition("events", dt.date(2001, 3, 1))
    call_command("maintain_partitions")
    assert "past retention" in capsys.readouterr().out and "events_y2001m03" in partition_names("events")

    call_command("maintain_partitions", "--retire")
    out = capsys.readouterr().out
    assert "dropped events_y2001m03" in out and "events_y2001m03" not in partition_names("events")
    with pytest.raises(CommandError, match="months-ahead"):
        call_command("maintain_partitions", "--months-ahead", "-1")
