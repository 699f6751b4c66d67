"""Process-local bookkeeping for "a service is away, we carried on without it".

Code that degrades instead of failing (a throttle counting without Redis, a live push dropped,
a task left for the sweep because the broker was away) calls `note(component, exc)`: it counts
the occurrence and logs one warning per component per interval, so an outage leaves a trace
without flooding the log. `counts()` feeds the health rows and the fault tests' figures.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

logger = logging.getLogger("orin.degraded")

WARN_EVERY_SECONDS = 30.0

_counts: Counter[str] = Counter()
_last_warned: dict[str, float] = {}
_lock = threading.Lock()


def note(component: str, exc: BaseException | str) -> None:
    """Count one degraded operation of `component` and warn (rate-limited) with the cause."""
    now = time.monotonic()
    with _lock:
        _counts[component] += 1
        total = _counts[component]
        due = now - _last_warned.get(component, -WARN_EVERY_SECONDS) >= WARN_EVERY_SECONDS
        if due:
            _last_warned[component] = now
    if due:
        logger.warning("%s degraded (%d so far in this process): %s", component, total, exc)


def counts() -> dict[str, int]:
    with _lock:
        return dict(_counts)
