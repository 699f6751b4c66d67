"""Request rate limits counted in Redis (the default cache), shared by every web process.

One throttle for the whole API: the principal is the device key, else the user, else the client
address; the rate is the view's `throttle_scope` (e.g. "ingest", "auth") or the principal's kind
("api_key", "user", "anon"), from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. Fixed windows with
an atomic INCR: DRF's stock throttles keep a list of timestamps per client and rewrite it on
every request, which is racy across processes and heavy at edge-device rates.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.models import APIKey

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the window's key expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
        if count > limit:
            self.wait_seconds = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return self.wait_seconds
