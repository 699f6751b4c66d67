"""Per-endpoint limits: requests per minute and a budget of requests per UTC day, counted from
`SceneDescription.sent_at` in the database so every worker sees the same numbers (the endpoint
row is locked while a slot is taken, so two workers cannot both take the last one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from scenes.models import SceneDescription

MINUTE = dt.timedelta(minutes=1)


class BudgetExhausted(Exception):
    """Today's budget is spent; the message says so for the operator."""


def day_start(now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def sent_today(endpoint, now: dt.datetime | None = None, exclude=None) -> int:
    """Descriptions sent since 00:00 UTC (a retried one counts once: `exclude` it when retrying)."""
    rows = SceneDescription.objects.filter(endpoint=endpoint, sent_at__gte=day_start(now))
    return (rows.exclude(pk=exclude) if exclude is not None else rows).count()


def budget_message(endpoint, used: int) -> str:
    return (
        f"daily budget of {endpoint.daily_budget} requests to {endpoint.name} is spent "
        f"({used} sent since 00:00 UTC); nothing more is sent until tomorrow"
    )


def check_budget(endpoint, now: dt.datetime | None = None) -> None:
    used = sent_today(endpoint, now)
    if used >= endpoint.daily_budget:
        raise BudgetExhausted(budget_message(endpoint, used))


@dataclass(frozen=True)
class Slot:
    granted: bool
    wait_seconds: float = 0.0


def rate_slot(endpoint, now: dt.datetime) -> Slot:
    """Whether one more request fits in the last minute; if not, how long until one does.
    Call with the endpoint row locked."""
    recent = list(
        SceneDescription.objects.filter(endpoint=endpoint, sent_at__gt=now - MINUTE)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)[: endpoint.requests_per_minute]
    )
    if len(recent) < endpoint.requests_per_minute:
        return Slot(True)
    return Slot(False, max((recent[0] + MINUTE - now).total_seconds(), 1.0))
