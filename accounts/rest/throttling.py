"""Request rate limits counted in Redis (the default cache), shared by every web process.

One throttle for the whole API: the principal is the device key, else the user, else the client
address; the rate is the view's `throttle_scope` (e.g. "ingest", "auth") or the principal's kind
("api_key", "user", "anon"), from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. Fixed windows with
an atomic INCR: DRF's stock throttles keep a list of timestamps per client and rewrite it on
every request, which is racy across processes and heavy at edge-device rates.

Redis away: the same windows are counted in this process's memory (a per-process limit instead
of a fleet-wide one), with a logged warning and a count under "throttle" in orin.degraded, so
edge devices keep delivering while the cache is down.
"""

from __future__ import annotations

import threading
import time

import redis
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.models import APIKey
from orin import degraded

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CACHE_ERRORS = (redis.RedisError, OSError)

_local_counts: dict[str, tuple[float, int]] = {}  # key -> (end of its window, count)
_local_lock = threading.Lock()


def _count_locally(key: str, window_end: float, now: float) -> int:
    """The fallback counter: this process's windows in memory; ended windows are dropped (each
    by its own period: an hourly window outlives many per-minute ones)."""
    with _local_lock:
        for stale in [k for k, (end, _) in _local_counts.items() if end <= now]:
            del _local_counts[stale]
        count = _local_counts.get(key, (window_end, 0))[1] + 1
        _local_counts[key] = (window_end, count)
        return count


def _count_in_cache(key: str, period: int) -> int:
    cache.add(key, 0, timeout=period + 1)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        return 1


def parse_rate(rate: str) -> tuple[int, int]:
    """ "100/s", "6000/min", "20/hour" → (requests, seconds)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[0]]


class PrincipalRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.wait_seconds: float | None = None

    def principal(self, request) -> tuple[str, str]:
        if isinstance(request.auth, APIKey):
            return "api_key", f"key:{request.auth.pk}"
        user = request.user
        if user is not None and user.is_authenticated:
            return "user", f"user:{user.pk}"
        return "anon", f"ip:{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        kind, ident = self.principal(request)
        scope = getattr(view, "throttle_scope", None) or kind
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if not rate:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        key = f"throttle:{scope}:{ident}:{window}"
        try:
            count = _count_in_cache(key, period)
        except CACHE_ERRORS as exc:
            degraded.note("throttle", exc)
            count = _count_locally(key, (window + 1) * period, now)
        if count > limit:
            self.wait_seconds = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return self.wait_seconds
