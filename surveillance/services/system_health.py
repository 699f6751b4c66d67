"""The minute's health sample of each component, with the seed's metrics (004 §13):
api (web), workers, beat, recognizer, db, redis. The stream reader writes its own
(`stream_manager`, see streams.py). Run every minute by `surveillance.tasks.record_system_health`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from surveillance.services.health import log_health

logger = logging.getLogger(__name__)

QUEUE_BACKLOG_WARNING = 1000
BEAT_GRACE = dt.timedelta(minutes=5)


@dataclass
class Sample:
    status: str
    metrics: dict = field(default_factory=dict)
    message: str = ""


def sample_database() -> Sample:
    probes = []
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            probes.append((time.perf_counter() - started) * 1000)
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE state = 'active'), count(*),
                   current_setting('max_connections')::int,
                   pg_database_size(current_database()),
                   CASE WHEN pg_is_in_recovery()
                        THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0)
                        ELSE 0 END
            FROM pg_stat_activity WHERE datname = current_database()
            """
        )
        active, total, max_connections, size, lag = cursor.fetchone()
    usage = total / max_connections if max_connections else 0
    metrics = {
        "connections_active": active,
        "connections_total": total,
        "max_connections": max_connections,
        "query_time_p99_ms": round(max(probes), 2),  # round-trip probe, the worst of three
        "replication_lag_ms": round(float(lag), 1),
        "database_size_bytes": size,
    }
    status = "degraded" if usage > 0.8 else "online"
    return Sample(status, metrics, f"{total}/{max_connections} connections")


def sample_redis() -> Sample:
    from surveillance.services.live_state import client

    started = time.perf_counter()
    client().ping()
    ping_ms = (time.perf_counter() - started) * 1000
    info = client().info()
    metrics = {
        "ping_ms": round(ping_ms, 2),
        "used_memory_bytes": info.get("used_memory"),
        "connected_clients": info.get("connected_clients"),
        "ops_per_second": info.get("instantaneous_ops_per_sec"),
        "uptime_seconds": info.get("uptime_in_seconds"),
    }
    return Sample("online", metrics, f"redis {info.get('redis_version', '?')}")


def queue_depths() -> dict[str, int]:
    """Messages waiting per queue (Redis broker only; empty for other brokers)."""
    import redis

    from orin.celery import QUEUES

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    broker = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    pipe = broker.pipeline(transaction=False)
    for name in QUEUES:
        pipe.llen(name)
    pipe.hlen("unacked")
    *depths, unacked = pipe.execute()
    return {**dict(zip(QUEUES, depths)), "in_progress": unacked}


def sample_workers() -> Sample:
    from orin.celery import app

    replies = app.control.ping(timeout=1.0) or []
    workers = sorted(name for reply in replies for name in reply)
    depths = queue_depths()
    metrics = {"workers_online": len(workers), "workers": workers, "queue_depths": depths}
    backlog = {name: depth for name, depth in depths.items() if name != "in_progress" and depth > QUEUE_BACKLOG_WARNING}
    if not workers:
        return Sample("offline", metrics, "no worker answered a ping")
    if backlog:
        return Sample("degraded", metrics, "backlog: " + ", ".join(f"{k}={v}" for k, v in backlog.items()))
    return Sample("online", metrics, f"{len(workers)} worker(s)")


def sample_beat(now: dt.datetime) -> Sample:
    """Beat is healthy when no enabled periodic task is overdue by more than five minutes."""
    from django_celery_beat.models import PeriodicTask

    overdue = []
    tasks = PeriodicTask.objects.filter(enabled=True, one_off=False).select_related("interval", "crontab")
    for task in tasks:
        try:
            schedule = task.schedule
        except Exception as exc:  # noqa: BLE001  (a broken entry is reported, not fatal)
            logger.warning("periodic task %s has no usable schedule: %s", task.name, exc)
            continue
        last = task.last_run_at or task.start_time or task.date_changed
        if last is None:
            continue
        remaining = schedule.remaining_estimate(timezone.localtime(last, dt.UTC))
        if remaining < -BEAT_GRACE:
            overdue.append(task.name)
    last_runs = {t.name: t.last_run_at for t in tasks if t.last_run_at}
    metrics = {"periodic_tasks": len(tasks), "overdue": overdue, "last_runs": last_runs}
    if overdue:
        return Sample("degraded", metrics, "overdue: " + ", ".join(overdue))
    return Sample("online", metrics, f"{len(tasks)} periodic task(s) on time")


def sample_api(now: dt.datetime) -> Sample:
    from surveillance.services.request_metrics import minute_summary

    previous_minute = int(now.timestamp() // 60) - 1
    metrics = minute_summary(previous_minute)
    if not metrics["requests"]:
        return Sample("unknown", metrics, "no requests in the last minute")
    status = "degraded" if metrics["error_rate"] > 0.05 else "online"
    return Sample(status, metrics, f"{metrics['requests']} request(s)")


def sample_recognizer(now: dt.datetime) -> Sample:
    from surveillance.models import Event, EventType

    counts = dict(
        Event.objects.filter(timestamp__gte=now - dt.timedelta(minutes=1), timestamp__lt=now)
        .values_list("event_type")
        .annotate(n=Count("id"))
        .values_list("event_type", "n")
    )
    faces = counts.get(EventType.FACE_DETECTED, 0) + counts.get(EventType.PERSON_RECOGNIZED, 0)
    metrics = {"faces_detected_per_min": faces, "events_per_min": counts}
    depth = queue_depths().get("recognition")
    if depth is not None:
        metrics["queue_depth"] = depth
    status = "degraded" if (depth or 0) > QUEUE_BACKLOG_WARNING else "online"
    return Sample(status, metrics, f"{faces} face event(s) in the last minute")


def _components(now: dt.datetime) -> dict[str, Callable[[], Sample]]:
    return {
        "api": lambda: sample_api(now),
        "workers": sample_workers,
        "beat": lambda: sample_beat(now),
        "recognizer": lambda: sample_recognizer(now),
        "db": sample_database,
        "redis": sample_redis,
    }


def record_system_health(now: dt.datetime | None = None) -> dict[str, str]:
    """Write this minute's row for every component; returns component → status.

    A component whose probe fails is recorded `offline` with the error, and the others still run.
    """
    now = now or timezone.now()
    statuses = {}
    for component, probe in _components(now).items():
        try:
            sample = probe()
        except Exception as exc:  # noqa: BLE001  (a failed probe is the finding, not a crash)
            logger.warning("health probe %s failed: %s", component, exc)
            sample = Sample("offline", {"error": f"{type(exc).__name__}: {exc}"}, "probe failed")
            if component == "db":
                connection.close()
        statuses[component] = sample.status
        try:
            log_health(component, sample.status, sample.metrics, sample.message, at=now, per_minute=True)
        except Exception as exc:  # noqa: BLE001
            logger.error("health row for %s not written: %s", component, exc)
    return statuses
