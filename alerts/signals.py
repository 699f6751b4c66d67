"""The one hook for live feeds and anything else that follows alerts.

`alert_changed` is sent after the transaction that changed the alert commits, never before
(Zulip's pattern), with kwargs `alert` and `change` in CHANGES. `alerts_changed` carries the same
news once per batch (kwargs `alerts`, `change`): an ingest batch can raise thousands of alerts,
and a receiver that queries or publishes per alert then costs more than the ingest itself, so
throughput-minded receivers (live feeds) should prefer it. Receivers that fail are logged and
do not break the write that caused them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import django.dispatch
from django.db import transaction

alert_changed = django.dispatch.Signal()
alerts_changed = django.dispatch.Signal()

CHANGES = ("created", "updated", "folded", "escalated", "status")

logger = logging.getLogger(__name__)


def _send(alerts: list, change: str) -> None:
    from alerts.models import Alert

    for receiver, result in alerts_changed.send_robust(sender=Alert, alerts=alerts, change=change):
        if isinstance(result, Exception):
            logger.error("alerts_changed receiver %r failed for %d alert(s): %r", receiver, len(alerts), result)
    if not alert_changed.receivers:
        return
    for alert in alerts:
        for receiver, result in alert_changed.send_robust(sender=Alert, alert=alert, change=change):
            if isinstance(result, Exception):
                logger.error("alert_changed receiver %r failed for alert %s: %r", receiver, alert.pk, result)


def announce(alerts: Iterable, change: str) -> None:
    """Send `alerts_changed` for the batch and `alert_changed` for each alert once the current
    transaction commits."""
    if change not in CHANGES:
        raise ValueError(f"unknown alert change {change!r}")
    batch = list(alerts)
    if batch:
        transaction.on_commit(lambda: _send(batch, change))
