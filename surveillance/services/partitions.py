"""Monthly range partitions for the time-series tables: create ahead, list, drop by age.

Hand-written because django-postgres-extra's partitioned models replace Django's `id` pk with
the composite key (its issue #268 on Django 5.2); our parents are plain migration SQL, so the
maintenance is plain SQL too. Partitions are named `<table>_yYYYYmMM`, bounds are UTC months.

`run_partition_maintenance` is the daily job: months ahead created, rows stranded in a default
partition moved to their month, expired months dropped by the retention settings (seed §17),
archive-first where configured. One run at a time across all machines (advisory lock).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import logging
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql

from surveillance.services.locks import advisory_lock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionedTable:
    name: str
    default_retention: str  # the seed's §17 table; settings.ORIN_PARTITION_RETENTION overrides
    column: str = "timestamp"  # the partition key


PARTITIONED_TABLES: dict[str, PartitionedTable] = {
    t.name: t
    for t in (
        PartitionedTable("events", "12 months"),
        PartitionedTable("suspicious_activity_events", "24 months"),
        PartitionedTable("audit_logs", "36 months"),
        PartitionedTable("system_health_logs", "90 days"),
        PartitionedTable("device_connectivity_logs", "90 days"),
    )
}


def register_partitioned_table(table: PartitionedTable) -> None:
    """Other apps' partitioned tables (registered in their AppConfig.ready()) join the daily
    maintenance: months ahead, rehoming and retention."""
    PARTITIONED_TABLES[table.name] = table


def existing_tables() -> list[str]:
    """Registered tables whose parent exists: an app's table is registered before its own
    migration has created it (and earlier migrations create partitions too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'p'", [list(PARTITIONED_TABLES)]
        )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in PARTITIONED_TABLES if name in present]


def _column(table: str) -> sql.Identifier:
    return sql.Identifier(PARTITIONED_TABLES[table].column)


_SUFFIX = re.compile(r"_y(\d{4})m(\d{2})$")


class PartitionError(Exception):
    pass


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    month: dt.date | None  # None for the default partition
    rows_estimate: int

    @property
    def is_default(self) -> bool:
        return self.month is None


def month_start(value: dt.date | dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def current_month() -> dt.date:
    return month_start(timezone.now().astimezone(dt.UTC))


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def _check_table(table: str) -> None:
    if table not in PARTITIONED_TABLES:
        raise PartitionError(f"{table!r} is not a partitioned table (known: {', '.join(PARTITIONED_TABLES)})")


def _bounds(month: dt.date) -> tuple[str, str]:
    return (
        f"{month.isoformat()} 00:00:00+00",
        f"{add_months(month, 1).isoformat()} 00:00:00+00",
    )


def list_partitions(table: str) -> list[Partition]:
    _check_table(table)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname, child.reltuples::bigint,
                   pg_get_expr(child.relpartbound, child.oid) = 'DEFAULT'
            FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = %s AND parent.relnamespace = 'public'::regnamespace
            ORDER BY child.relname
            """,
            [table],
        )
        rows = cursor.fetchall()
    partitions = []
    for name, estimate, is_default in rows:
        match = _SUFFIX.search(name)
        month = None if is_default or not match else dt.date(int(match[1]), int(match[2]), 1)
        partitions.append(Partition(table, name, month, max(estimate, 0)))
    return partitions


def create_partition(table: str, month: dt.date) -> bool:
    """Create the month's partition; rows already caught by the default partition move into it.

    Returns True when a partition was created. Idempotent, and safe against a concurrent call
    (the parent is locked for the few milliseconds this takes).
    """
    _check_table(table)
    month = month_start(month)
    name = partition_name(table, month)
    start, end = _bounds(month)
    ident = sql.Identifier
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(ident(table)))
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{name}"])
        if cursor.fetchone()[0]:
            return False
        default = ident(f"{table}_default")
        in_range = sql.SQL("{column} >= %s AND {column} < %s").format(column=_column(table))
        cursor.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {})").format(default, in_range),
            [start, end],
        )
        if not cursor.fetchone()[0]:
            cursor.execute(
                sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM (%s) TO (%s)").format(
                    ident(name), ident(table)
                ),
                [start, end],
            )
            return True
        # PostgreSQL refuses a new partition while the default one holds rows of its range:
        # build it detached, move those rows, then attach.
        cursor.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
                ident(name), ident(table)
            )
        )
        cursor.execute(
            sql.SQL("WITH moved AS (DELETE FROM {} WHERE {} RETURNING *) INSERT INTO {} SELECT * FROM moved").format(
                default, in_range, ident(name)
            ),
            [start, end],
        )
        cursor.execute(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM (%s) TO (%s)").format(
                ident(table), ident(name)
            ),
            [start, end],
        )
    return True


def ensure_partitions(table: str, first: dt.date, last: dt.date) -> list[str]:
    """Create every monthly partition from `first` to `last` (inclusive); return those created."""
    created = []
    month = month_start(first)
    while month <= month_start(last):
        if create_partition(table, month):
            created.append(partition_name(table, month))
        month = add_months(month, 1)
    return created


def ensure_future_partitions(
    months_ahead: int, tables: list[str] | None = None, today: dt.date | None = None
) -> list[str]:
    """This month and the next `months_ahead` for every partitioned table."""
    this_month = month_start(today) if today else current_month()
    created = []
    for table in tables or existing_tables():
        created += ensure_partitions(table, this_month, add_months(this_month, months_ahead))
    return created


def default_partition_rows(table: str) -> int:
    _check_table(table)
    with connection.cursor() as cursor:
        # The default partition should stay empty, so an exact count is cheap.
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(f"{table}_default")))
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Retention:
    months: int = 0
    days: int = 0

    def cutoff(self, today: dt.date) -> dt.date:
        """A partition whose whole month ends on or before this date has expired."""
        if self.months:
            return add_months(month_start(today), -self.months)
        return today - dt.timedelta(days=self.days)


_RETENTION = re.compile(r"^\s*(\d+)\s*(months?|days?)\s*$", re.IGNORECASE)


def parse_retention(text: str) -> Retention:
    match = _RETENTION.match(str(text))
    if not match:
        raise PartitionError(f"retention {text!r} is not understood; write e.g. '12 months' or '90 days'")
    count, unit = int(match[1]), match[2].lower()
    return Retention(months=count) if unit.startswith("month") else Retention(days=count)


def table_retention(table: str) -> Retention:
    _check_table(table)
    configured = getattr(settings, "ORIN_PARTITION_RETENTION", {}) or {}
    return parse_retention(configured.get(table, PARTITIONED_TABLES[table].default_retention))


def archives_before_drop(table: str) -> bool:
    return table in (getattr(settings, "ORIN_PARTITION_ARCHIVE_TABLES", None) or [])


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.now().astimezone(dt.UTC).date()


def _oldest_protected_month(today: dt.date | None) -> dt.date:
    """The current month by the real clock or by the caller's, whichever is earlier: nothing from
    it onwards is ever dropped."""
    real = current_month()
    return min(real, month_start(today)) if today else real


def expired_partitions(table: str, today: dt.date | None = None) -> list[Partition]:
    """Monthly partitions past the table's retention; never the current or a future month."""
    today = _today(today)
    cutoff = table_retention(table).cutoff(today)
    protected = _oldest_protected_month(today)
    return [
        p
        for p in list_partitions(table)
        if p.month is not None and add_months(p.month, 1) <= cutoff and p.month < protected
    ]


def drop_partition(table: str, month: dt.date, today: dt.date | None = None, expected_rows: int | None = None) -> None:
    """Drop one month. Refuses the current month and any future month whatever the caller says.

    With `expected_rows` (the archived count) the partition is locked against writes and
    recounted first; a mismatch means the archive is stale and nothing is dropped.
    """
    _check_table(table)
    month = month_start(month)
    if month >= _oldest_protected_month(today):
        raise PartitionError(f"refusing to drop {partition_name(table, month)}: current or future month")
    name = sql.Identifier(partition_name(table, month))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '30s'")
        if expected_rows is not None:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{partition_name(table, month)}"])
            if not cursor.fetchone()[0]:
                return
            cursor.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(name))
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(name))
            rows = cursor.fetchone()[0]
            if rows != expected_rows:
                raise PartitionError(
                    f"{partition_name(table, month)} has {rows} rows but its archive has {expected_rows}; not dropped"
                )
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))


# --- archive ---------------------------------------------------------------------------------


class _HashingWriter(io.RawIOBase):
    def __init__(self, target):
        self.target, self.sha256, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.target.write(data)


class _HashingReader(io.RawIOBase):
    def __init__(self, source):
        self.source, self.sha256 = source, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.source.read(len(buffer))
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)


def archive_name(table: str, month: dt.date) -> str:
    return f"archives/{table}/{partition_name(table, month)}.csv.gz"


def export_partition(table: str, month: dt.date, target) -> tuple[int, int, str]:
    """Write the partition as gzip CSV (with a header) into the binary file `target`.

    Returns (rows, bytes written, SHA-256 of those bytes). The partition is locked against
    writes while it is read, so the count and the export agree.
    """
    name = sql.Identifier(partition_name(table, month))
    writer = _HashingWriter(target)
    # mtime=0 and no file name: the same rows always give the same bytes, hence the same checksum.
    query = sql.SQL("COPY (SELECT * FROM {} ORDER BY {}, id) TO STDOUT WITH (FORMAT csv, HEADER)")
    with (
        gzip.GzipFile(filename="", fileobj=writer, mode="wb", mtime=0) as gz,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(name))
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(name))
        rows = cursor.fetchone()[0]
        with cursor.cursor.copy(query.format(name, _column(table))) as copy:
            for block in copy:
                gz.write(block)
    return rows, writer.size, writer.sha256.hexdigest()


def verify_archive(storage_path: str, rows: int, checksum: str) -> None:
    """Read the stored archive back: its SHA-256 and its CSV record count must match."""
    with default_storage.open(storage_path, "rb") as stored:
        reader = _HashingReader(stored)
        with gzip.GzipFile(fileobj=io.BufferedReader(reader), mode="rb") as gz:
            text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            found = sum(1 for _ in csv.reader(text)) - 1  # minus the header
        while reader.read(1 << 16):  # anything after the gzip trailer still counts in the checksum
            pass
    if reader.sha256.hexdigest() != checksum:
        raise PartitionError(f"archive {storage_path} does not match its checksum")
    if found != rows:
        raise PartitionError(f"archive {storage_path} holds {found} rows, the partition {rows}")


def archive_partition(table: str, month: dt.date):
    """Export one month to media storage, verify it, and record it. Returns the PartitionArchive.

    Safe to repeat: a second run (say after a crash before the drop) overwrites the export and
    its record.
    """
    from surveillance.models import PartitionArchive

    _check_table(table)
    month = month_start(month)
    name = archive_name(table, month)
    with tempfile.TemporaryFile(prefix="orin-archive-") as spool:
        rows, size, checksum = export_partition(table, month, spool)
        spool.seek(0)
        if default_storage.exists(name):
            default_storage.delete(name)
        stored_name = default_storage.save(name, File(spool, name=name))
    verify_archive(stored_name, rows, checksum)
    archive, _ = PartitionArchive.objects.update_or_create(
        partition_name=partition_name(table, month),
        defaults={
            "table_name": table,
            "month": month,
            "storage_path": stored_name,
            "row_count": rows,
            "size_bytes": size,
            "checksum": checksum,
            "archived_at": timezone.now(),
            "dropped_at": None,
        },
    )
    return archive


def retire_partition(table: str, partition: Partition, today: dt.date | None = None) -> str | None:
    """Archive (where configured) and drop one expired partition. Returns the archive's path."""
    if not archives_before_drop(table):
        drop_partition(table, partition.month, today=today)
        return None
    archive = archive_partition(table, partition.month)
    drop_partition(table, partition.month, today=today, expected_rows=archive.row_count)
    type(archive).objects.filter(pk=archive.pk).update(dropped_at=timezone.now())
    return archive.storage_path


# --- the daily run -----------------------------------------------------------------------------

MAINTENANCE_LOCK = "orin:partition-maintenance"
LOCK_NOT_AVAILABLE = "55P03"


@dataclass
class MaintenanceReport:
    today: str
    skipped: bool = False
    created: list[str] = field(default_factory=list)
    rehomed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duration_ms: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def run_partition_maintenance(today: dt.date | None = None, months_ahead: int | None = None) -> MaintenanceReport:
    """Create ahead, rehome stray rows, retire expired months. Idempotent; one run at a time.

    A partition that fails to archive is left in place (and reported) while the rest proceed;
    database outages propagate so the task is retried.
    """
    from surveillance.services.health import log_health

    today = _today(today)
    months_ahead = settings.ORIN_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    report = MaintenanceReport(today=today.isoformat())
    started = time.monotonic()
    with advisory_lock(MAINTENANCE_LOCK) as acquired:
        if not acquired:
            report.skipped = True
            log_health("partition_maintenance", "online", report.as_dict(), "skipped: another run holds the lock")
            return report
        log_health("partition_maintenance", "online", {"today": report.today}, "started")
        this_month = month_start(today)
        for table in existing_tables():
            report.created += ensure_partitions(table, this_month, add_months(this_month, months_ahead))
            report.rehomed += rehome_default_rows(table)
            try:
                expired = expired_partitions(table, today)
            except PartitionError as exc:  # a retention setting nobody can read: say so, drop nothing
                logger.error("%s: %s", table, exc)
                report.errors.append(f"{table}: {exc}")
                continue
            for partition in expired:
                try:
                    with transaction.atomic():
                        path = retire_partition(table, partition, today)
                except (PartitionError, OSError, ValueError) as exc:
                    logger.error("partition %s not retired: %s", partition.name, exc)
                    report.errors.append(f"{partition.name}: {exc}")
                    continue
                except DatabaseError as exc:
                    # A long query on the old month held the lock past lock_timeout: try tomorrow.
                    if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                        raise
                    report.errors.append(f"{partition.name}: busy (lock timeout), left for the next run")
                    continue
                report.dropped.append(partition.name)
                if path:
                    report.archived.append(path)
    report.duration_ms = int((time.monotonic() - started) * 1000)
    status = "degraded" if report.errors else "online"
    summary = (
        f"{len(report.created)} created, {len(report.rehomed)} rehomed, "
        f"{len(report.dropped)} dropped, {len(report.archived)} archived, {len(report.errors)} error(s)"
    )
    log_health("partition_maintenance", status, report.as_dict(), summary)
    logger.info("partition maintenance: %s", summary)
    return report


def rehome_default_rows(table: str) -> list[str]:
    """Give every month that has rows in the default partition its own partition (rows move)."""
    _check_table(table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT DISTINCT date_trunc('month', {} AT TIME ZONE 'UTC')::date FROM {}").format(
                _column(table), sql.Identifier(f"{table}_default")
            )
        )
        months = sorted(row[0] for row in cursor.fetchall())
    return [partition_name(table, month) for month in months if create_partition(table, month)]
