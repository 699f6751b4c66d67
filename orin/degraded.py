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
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger("orin.degraded")

WARN_EVERY_SECONDS = 30.0
T = TypeVar("T")

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


class DatabaseBackoff:
    """Database calls of a long-running loop (a stream reader) that must outlive a PostgreSQL
    restart: a call that fails on the connection closes it (the next call reconnects), is
    counted, and the database is left alone for a growing pause (1 s doubling to `maximum`);
    calls during the pause are skipped and counted. One per thread: Django's connections are."""

    def __init__(self, component: str, initial: float = 1.0, maximum: float = 30.0) -> None:
        self.component = component
        self.initial = initial
        self.maximum = maximum
        self.skipped = 0
        self._delay = initial
        self._next_try = 0.0
        self._failing = False

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._next_try

    def call(self, func: Callable[..., T], *args, **kwargs) -> tuple[bool, T | None]:
        """(True, result), or (False, None) when the database is away or was just found away."""
        from django.db import InterfaceError, OperationalError, connection

        if not self.available:
            self.skipped += 1
            return False, None
        try:
            result = func(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            self.skipped += 1
            note(self.component, exc)
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a dead connection may refuse even to close
                logger.debug("closing a broken connection failed", exc_info=True)
            self._next_try = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, self.maximum)
            self._failing = True
            return False, None
        if self._failing:
            logger.warning("%s: the database answers again (%d call(s) skipped)", self.component, self.skipped)
            self._failing = False
        self._delay = self.initial
        return True, result
