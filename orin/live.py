"""Live feeds: which websocket group gets which push.

Every console connection joins one group per site its user may see (`console.site.<id>`), or
`console.all` for users who see every site. A new or changed alert and a batch of new events are
sent to their site's group and to `console.all` only after their transaction commits (both
signals fire on commit), so nobody sees a row that could still roll back, and an operator of
site A never receives site B's pushes. The consumer drops kinds the user's role may not read.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import json
import logging
import threading
from collections import defaultdict

import redis
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from accounts import policy
from alerts.models import Alert
from alerts.signals import alerts_changed
from orin import degraded
from surveillance.models import SEVERITY_RANK, Event
from surveillance.signals import events_recorded

logger = logging.getLogger(__name__)

GROUP_ALL = "console.all"
PUSH_TYPE = "console.push"
# A large ingest batch is summarised: its newest events per site are pushed individually.
MAX_EVENTS_PER_PUSH = 20
# A burst of alerts (a bulk ingest batch) pushes its most severe, newest ones as cards and tells
# pages how many more came, so they reload their queue instead of drawing hundreds of cards.
MAX_ALERTS_PER_PUSH = 100
# A reconnecting page older than this reloads instead of catching up.
CATCH_UP_WINDOW = dt.timedelta(hours=1)
CATCH_UP_LIMIT = 200
# Rows are stamped (created_at) when written but pushed after their transaction commits: one
# written just before the page's last server time can have had its push lost just after (Redis
# went away). Catch-up looks back this much further; pages reload their lists, so repeats are harmless.
CATCH_UP_MARGIN = dt.timedelta(seconds=60)


def site_group(site_id) -> str:
    return f"console.site.{site_id}"


def groups_for(user) -> list[str]:
    sites = policy.site_ids_for(user)
    if sites is None:
        return [GROUP_ALL]
    return [site_group(site_id) for site_id in sorted(sites, key=str)]


def readable_kinds(user) -> set[str]:
    kinds = set()
    if policy.can(user, "alerts", "read"):
        kinds.add("alert")
    if policy.can(user, "events", "read"):
        kinds.add("event")
    return kinds


def without_media(payload: dict) -> dict:
    """A push or catch-up card for a user without the media right: no snapshot, no crop."""

    def strip(card: dict) -> dict:
        return {**card, "snapshot": None, "crop": None}

    if "events" in payload:
        return {**payload, "events": [strip(card) for card in payload["events"]]}
    return strip(payload)


def push_message(payload: dict) -> dict:
    """The layer message for one push, serialised once here rather than once per websocket:
    at 500 clients per site the per-consumer json.dumps was a large share of the fan-out."""
    return {
        "type": PUSH_TYPE,
        "kind": payload.get("kind"),
        "text": json.dumps(payload, cls=DjangoJSONEncoder),
        "text_without_media": json.dumps(without_media(payload), cls=DjangoJSONEncoder),
    }


class _Publisher:
    """One background thread per process, with its own event loop, sends the pushes: the
    committing request or ingest batch does not wait for Redis (bench/ingest.py: publishing
    took a third of a bulk batch), and the loop keeps one layer connection instead of one per
    publish. One queue, one sender: pushes leave in the order they were committed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None

    def submit(self, prepared: list[tuple[str, dict]]) -> None:
        loop, queue = self._ensure_running()
        loop.call_soon_threadsafe(queue.put_nowait, prepared)

    def _ensure_running(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            # is_alive() is False in a forked child (Celery's prefork pool): start afresh there.
            if self._thread is None or not self._thread.is_alive():
                self._loop = asyncio.new_event_loop()
                self._queue = asyncio.Queue()
                started = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._loop, self._queue, started), name="orin-live-publish", daemon=True
                )
                self._thread.start()
                started.wait(5)
            return self._loop, self._queue

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, started: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(started.set)
        loop.run_until_complete(_Publisher._drain(queue))

    @staticmethod
    async def _drain(queue: asyncio.Queue) -> None:
        while True:
            prepared = await queue.get()
            layer = get_channel_layer()
            try:
                for group, message in prepared:
                    await layer.group_send(group, message)
            except (redis.RedisError, OSError) as exc:  # Redis away: pages catch up when they reconnect
                degraded.note("live_push", exc)
            except Exception:  # a live feed must never stop: log and go on with the next batch
                logger.exception("live feed: could not publish %d message(s)", len(prepared))
            finally:
                queue.task_done()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything submitted so far is sent (process exit, tests)."""
        if self._thread is None or not self._thread.is_alive():
            return
        done = asyncio.run_coroutine_threadsafe(self._queue.join(), self._loop)
        try:
            done.result(timeout)
        except Exception:
            logger.warning("live feed: pushes still queued after %.0f s", timeout)


_publisher = _Publisher()
atexit.register(_publisher.flush)


def _send(messages: list[tuple[str, dict]]) -> None:
    if get_channel_layer() is None or not messages:
        return
    encoded: dict[int, dict] = {}  # one payload goes to its site's group and to console.all
    prepared = []
    for group, payload in messages:
        if id(payload) not in encoded:
            encoded[id(payload)] = push_message(payload)
        prepared.append((group, encoded[id(payload)]))
    try:
        _publisher.submit(prepared)
    except Exception:  # a live feed must never break the write that caused it
        logger.exception("live feed: could not queue %d message(s)", len(messages))


def _addressed(site_id, payload: dict) -> list[tuple[str, dict]]:
    return [(site_group(site_id), payload), (GROUP_ALL, payload)]


def publish_alerts(alert_ids, change: str) -> None:
    from alerts.services.queue import alert_cards

    # Prefetched, not joined: a batch's alerts share a few cameras, rules and persons, and one
    # instance of each is built instead of one per alert.
    position = {alert_id: i for i, alert_id in enumerate(alert_ids)}
    alerts = Alert.objects.prefetch_related("camera__dvr__site", "person", "alert_rule", "acknowledged_by").filter(
        id__in=list(position)
    )
    messages = []
    for card in alert_cards(sorted(alerts, key=lambda alert: position[alert.pk])):  # in the order given
        card["change"] = change
        messages += _addressed(card["site"]["id"], card)
    _send(messages)


def publish_alert_burst(alerts: list, change: str) -> None:
    """The alerts of one commit: the first MAX_ALERTS_PER_PUSH by severity, then newest, as
    cards; the rest as a count per site (pages reload their queue on it)."""
    now = timezone.now()
    ranked = sorted(alerts, key=lambda a: (SEVERITY_RANK.get(a.severity, -1), a.created_at or now), reverse=True)
    shown, rest = ranked[:MAX_ALERTS_PER_PUSH], ranked[MAX_ALERTS_PER_PUSH:]
    if shown:
        publish_alerts([alert.pk for alert in shown], change)
    if rest:
        more = _site_totals(rest)
        _send([m for site_id, n in more.items() for m in _addressed(site_id, {"kind": "alert", "more": n})])


def publish_events(events: list[Event]) -> None:
    """Push a batch of new events: per site, its newest events as cards and the batch's count."""
    from surveillance.services.sightings import event_card

    if not events:
        return
    totals = _site_totals(events)
    newest = sorted(events, key=lambda e: e.timestamp, reverse=True)[: MAX_EVENTS_PER_PUSH * 4]
    # Reloaded with names (camera, site, person, cluster), bounded in time for partition pruning.
    stored = (
        Event.objects.filter(id__in=[e.id for e in newest], timestamp__gte=newest[-1].timestamp)
        .select_related("camera__dvr__site", "person", "cluster")
        .order_by("-timestamp")
    )
    per_site: dict[str, list[dict]] = defaultdict(list)
    for event in stored:
        card = event_card(event)
        if len(per_site[card["site"]["id"]]) < MAX_EVENTS_PER_PUSH:
            per_site[card["site"]["id"]].append(card)
    messages = []
    for site_id, total in totals.items():
        payload = {"kind": "event", "events": per_site.get(site_id, []), "total": total}
        messages += _addressed(site_id, payload)
    _send(messages)


def _site_totals(rows: list) -> dict[str, int]:
    """How many of the rows (events or alerts) each site has, by their cameras."""
    from surveillance.models import Camera

    sites = dict(Camera.objects.filter(id__in={row.camera_id for row in rows}).values_list("id", "dvr__site_id"))
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.camera_id in sites:
            totals[str(sites[row.camera_id])] += 1
    return totals


@receiver(alerts_changed, dispatch_uid="orin.live.alerts_changed")
def on_alerts_changed(sender, alerts, change, **kwargs) -> None:
    # Once per batch (not per alert): an ingest batch can raise thousands of alerts.
    batch = list(alerts)
    transaction.on_commit(lambda: _safely(publish_alert_burst, batch, change))


@receiver(events_recorded, dispatch_uid="orin.live.events_recorded")
def on_events_recorded(sender, events, **kwargs) -> None:
    batch = list(events)
    transaction.on_commit(lambda: _safely(publish_events, batch))


def _safely(func, *args) -> None:
    try:
        func(*args)
    except Exception:
        logger.exception("live feed: %s failed", func.__name__)


def catch_up(user, since: dt.datetime) -> dict:
    """What a reconnecting page missed since `since`: alerts raised or changed, and new events,
    within the user's sites and role. Too old a `since` asks the page to reload instead."""
    from alerts.services.queue import alert_cards
    from surveillance.services.sightings import event_card

    now = timezone.now()
    if now - since > CATCH_UP_WINDOW:
        return {"type": "catch_up", "reload": True, "server_time": now.isoformat()}
    kinds = readable_kinds(user)
    since = since - CATCH_UP_MARGIN
    alerts, events = [], []
    if "alert" in kinds:
        # Alerts carry no updated_at: changed ones are found among the last day's alerts.
        recent = (
            Alert.objects.filter(created_at__gte=now - dt.timedelta(days=1))
            .restrict(user)
            .filter(
                Q(created_at__gte=since)
                | Q(acknowledged_at__gte=since)
                | Q(resolved_at__gte=since)
                | Q(sent_at__gte=since)
            )
            .select_related("camera__dvr__site", "person", "alert_rule", "acknowledged_by")
            .order_by("-created_at")[:CATCH_UP_LIMIT]
        )
        alerts = alert_cards(recent)
    if "event" in kinds:
        new_events = (
            Event.objects.filter(timestamp__gte=since - dt.timedelta(minutes=10), created_at__gte=since)
            .restrict(user)
            .select_related("camera__dvr__site", "person", "cluster")
            .order_by("-timestamp")[:CATCH_UP_LIMIT]
        )
        events = [event_card(event) for event in new_events]
    return {"type": "catch_up", "alerts": alerts, "events": events, "server_time": now.isoformat()}
