"""Web request metrics for the `api` health row: each web process keeps its samples in memory
and a background thread adds them to per-minute Redis keys every few seconds, so no request
ever waits on Redis. Every web process adds to the same keys, so the minute's figures cover
the whole fleet.

`orin:metrics:api:<epoch minute>`          hash: requests, errors (5xx), client_errors (4xx)
`orin:metrics:api:<epoch minute>:latency`  list of request durations in ms (capped)
Both expire after ten minutes.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque

import redis

from orin import degraded

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
KEY_TTL_SECONDS = 600
MAX_LATENCY_SAMPLES = 20_000

_samples: deque[tuple[float, float, int]] = deque(maxlen=100_000)
_flusher: threading.Thread | None = None
_flusher_lock = threading.Lock()


def minute_key(minute: int) -> str:
    return f"orin:metrics:api:{minute}"


def record_request(duration_ms: float, status_code: int) -> None:
    """Called by the middleware; O(1), no I/O."""
    _samples.append((time.time(), duration_ms, status_code))
    if _flusher is None:
        _start_flusher()


def _start_flusher() -> None:
    global _flusher
    with _flusher_lock:
        if _flusher is None:
            _flusher = threading.Thread(target=_flush_forever, name="orin-request-metrics", daemon=True)
            _flusher.start()


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        try:
            flush()
        except (redis.RedisError, OSError) as exc:  # kept in memory; the next flush tries again
            degraded.note("request_metrics", exc)


def flush() -> int:
    """Move buffered samples into Redis; returns how many were flushed."""
    from surveillance.services.live_state import client

    batch = []
    while _samples:
        batch.append(_samples.popleft())
    if not batch:
        return 0
    by_minute: dict[int, list[tuple[float, int]]] = {}
    for at, duration_ms, status in batch:
        by_minute.setdefault(int(at // 60), []).append((duration_ms, status))
    pipe = client().pipeline(transaction=False)
    for minute, rows in by_minute.items():
        key = minute_key(minute)
        pipe.hincrby(key, "requests", len(rows))
        pipe.hincrby(key, "errors", sum(1 for _, status in rows if status >= 500))
        pipe.hincrby(key, "client_errors", sum(1 for _, status in rows if 400 <= status < 500))
        pipe.rpush(f"{key}:latency", *(round(duration, 2) for duration, _ in rows))
        pipe.ltrim(f"{key}:latency", -MAX_LATENCY_SAMPLES, -1)
        pipe.expire(key, KEY_TTL_SECONDS)
        pipe.expire(f"{key}:latency", KEY_TTL_SECONDS)
    try:
        pipe.execute()
    except BaseException:
        # Back in front of newer samples (the deque's bound caps what an outage can hold); a
        # pipeline is not a transaction, so a flush cut off midway may count a few twice.
        _samples.extendleft(reversed(batch))
        raise
    return len(batch)


def minute_summary(minute: int) -> dict:
    """The seed's api metrics for one minute: requests_per_second, p99_latency_ms, error_rate."""
    from surveillance.services.live_state import client

    pipe = client().pipeline(transaction=False)
    pipe.hgetall(minute_key(minute))
    pipe.lrange(f"{minute_key(minute)}:latency", 0, -1)
    counts, latencies = pipe.execute()
    requests = int(counts.get("requests", 0))
    errors = int(counts.get("errors", 0))
    values = sorted(float(v) for v in latencies)
    p99 = values[min(len(values) - 1, math.ceil(0.99 * len(values)) - 1)] if values else None
    p50 = values[(len(values) - 1) // 2] if values else None
    return {
        "requests": requests,
        "requests_per_second": round(requests / 60, 3),
        "p50_latency_ms": p50,
        "p99_latency_ms": p99,
        "error_rate": round(errors / requests, 4) if requests else 0.0,
        "client_errors": int(counts.get("client_errors", 0)),
    }
