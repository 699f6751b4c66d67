import datetime as dt
import uuid

import pytest
from django.db import connection

from surveillance.models import DeviceConnectivityLog, Event, SystemHealthLog
from surveillance.services import partitions
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def tableoid(table: str, row_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def parent_of(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = %s::regclass", [name])
        return cursor.fetchone()[0]


def test_every_partitioned_table_has_this_month_the_next_three_and_a_default():
    this_month = partitions.current_month()
    for table in partitions.PARTITIONED_TABLES:
        found = {p.name for p in partitions.list_partitions(table)}
        for ahead in range(4):
            name = partitions.partition_name(table, partitions.add_months(this_month, ahead))
            assert name in found
            assert parent_of(name) == table
        assert f"{table}_default" in found


def test_rows_route_to_their_month_and_far_rows_to_the_default():
    now = dt.datetime.now(dt.UTC)
    this_month = partitions.current_month()
    current = EventFactory(timestamp=now)
    far = EventFactory(timestamp=dt.datetime(1999, 1, 1, tzinfo=dt.UTC))
    assert tableoid("events", current.id) == partitions.partition_name("events", this_month)
    assert tableoid("events", far.id) == "events_default"
    assert partitions.default_partition_rows("events") == 1


@pytest.mark.parametrize("model", [SystemHealthLog, DeviceConnectivityLog])
def test_log_tables_route_too(model):
    fields = (
        {"component": "api", "status": "online"}
        if model is SystemHealthLog
        else {"device_type": "camera", "device_id": uuid.uuid4(), "event": "connected"}
    )
    row = model.objects.create(timestamp=dt.datetime.now(dt.UTC), **fields)
    assert tableoid(model._meta.db_table, row.id) == partitions.partition_name(
        model._meta.db_table, partitions.current_month()
    )


def test_creating_a_partition_moves_rows_out_of_the_default():
    month = dt.date(2001, 5, 1)
    stray = EventFactory(timestamp=dt.datetime(2001, 5, 17, 12, tzinfo=dt.UTC))
    assert tableoid("events", stray.id) == "events_default"
    assert partitions.create_partition("events", month) is True
    assert tableoid("events", stray.id) == "events_y2001m05"
    assert partitions.default_partition_rows("events") == 0
    assert partitions.create_partition("events", month) is False  # idempotent
    assert Event.objects.filter(id=stray.id).exists()


def test_rehome_default_rows_creates_each_stray_month():
    EventFactory(timestamp=dt.datetime(2002, 2, 3, tzinfo=dt.UTC))
    EventFactory(timestamp=dt.datetime(2002, 7, 9, tzinfo=dt.UTC))
    assert partitions.rehome_default_rows("events") == ["events_y2002m02", "events_y2002m07"]
    assert partitions.default_partition_rows("events") == 0


def test_never_drops_the_current_or_a_future_month():
    with pytest.raises(partitions.PartitionError):
        partitions.drop_partition("events", partitions.current_month())
    with pytest.raises(partitions.PartitionError):
        partitions.drop_partition("events", partitions.add_months(partitions.current_month(), 2))


def test_expired_partitions_follow_the_retention_table():
    partitions.create_partition("system_health_logs", dt.date(2003, 1, 1))
    expired = {p.name for p in partitions.expired_partitions("system_health_logs")}
    assert "system_health_logs_y2003m01" in expired
    assert partitions.partition_name("system_health_logs", partitions.current_month()) not in expired
    partitions.drop_partition("system_health_logs", dt.date(2003, 1, 1))
    assert "system_health_logs_y2003m01" not in {p.name for p in partitions.list_partitions("system_health_logs")}


def test_unknown_table_is_refused():
    with pytest.raises(partitions.PartitionError):
        partitions.list_partitions("cameras")
