"""Monthly range partitions for the time-series tables: create ahead, list, drop by age.

Hand-written because django-postgres-extra's partitioned models replace Django's `id` pk with
the composite key (its issue #268 on Django 5.2); our parents are plain migration SQL, so the
maintenance is plain SQL too. Partitions are named `<table>_yYYYYmMM`, bounds are UTC months.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql


@dataclass(frozen=True)
class PartitionedTable:
    name: str
    retention_months: int  # whole months kept before the current one; the seed's §17 table
    archive_before_drop: bool = False


PARTITIONED_TABLES: dict[str, PartitionedTable] = {
    t.name: t
    for t in (
        PartitionedTable("events", 12),
        PartitionedTable("suspicious_activity_events", 24),
        PartitionedTable("audit_logs", 36, archive_before_drop=True),
        PartitionedTable("system_health_logs", 3),
        PartitionedTable("device_connectivity_logs", 3),
    )
}

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
        in_range = sql.SQL('"timestamp" >= %s AND "timestamp" < %s')
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


def ensure_future_partitions(months_ahead: int, tables: list[str] | None = None) -> list[str]:
    """This month and the next `months_ahead` for every partitioned table."""
    this_month = current_month()
    created = []
    for table in tables or list(PARTITIONED_TABLES):
        created += ensure_partitions(table, this_month, add_months(this_month, months_ahead))
    return created


def default_partition_rows(table: str) -> int:
    _check_table(table)
    with connection.cursor() as cursor:
        # The default partition should stay empty, so an exact count is cheap.
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(f"{table}_default")))
        return cursor.fetchone()[0]


def expired_partitions(table: str, today: dt.date | None = None) -> list[Partition]:
    """Monthly partitions older than the table's retention; never the current or a future month."""
    spec = PARTITIONED_TABLES[table]
    this_month = month_start(today) if today else current_month()
    cutoff = add_months(this_month, -spec.retention_months)
    return [p for p in list_partitions(table) if p.month is not None and p.month < cutoff]


def drop_partition(table: str, month: dt.date) -> None:
    """Drop one month. Refuses the current month and any future month whatever the caller says."""
    _check_table(table)
    month = month_start(month)
    if month >= current_month():
        raise PartitionError(f"refusing to drop {partition_name(table, month)}: current or future month")
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(partition_name(table, month))))


def rehome_default_rows(table: str) -> list[str]:
    """Give every month that has rows in the default partition its own partition (rows move)."""
    _check_table(table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT DISTINCT date_trunc('month', \"timestamp\" AT TIME ZONE 'UTC')::date FROM {}").format(
                sql.Identifier(f"{table}_default")
            )
        )
        months = sorted(row[0] for row in cursor.fetchall())
    return [partition_name(table, month) for month in months if create_partition(table, month)]
