"""Event ingest benchmark: ORIN's bulk path (COPY + rule evaluation + alerts) vs raw COPY.

    ./orinctl manage shell -c "import runpy; runpy.run_path('bench/ingest.py')"   # or:
    eval "$(./orinctl env)" && .orin/venv/bin/python bench/ingest.py --events 200000

Both runs insert the same number of events, in batches of one transaction each, into the
partitioned `events` table of the configured database, timestamps spread over this month and
the previous one (so rows route to two partitions). A throw-away site holds the bench cameras,
zones and 20 active rules; it is deleted at the end (events and alerts go with it).

Events come as sightings, as detectors emit them: someone stays in view for a few frames, so
each sighting is 1-8 events of one camera and subject a second or two apart (`--spread
sightings`, the default). `--spread uniform` makes every event independent, the worst case for
cooldown folding (nearly every match becomes its own alert). The 20 rules mix every condition
the engine evaluates: cameras, event types, persons, person status (unknown faces included),
watchlists, zones, thresholds, overnight schedules in the site's timezone and quiet hours.
`--live-feed off` disconnects the `alert_changed` receivers (live feeds) to time the engine alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.services.roles import ensure_role  # noqa: E402
from alerts.models import Alert, AlertRule  # noqa: E402
from alerts.signals import alert_changed, alerts_changed  # noqa: E402
from faces.models import Person, PersonCluster, Watchlist, WatchlistEntry  # noqa: E402
from surveillance.models import DVR, Camera, CameraZone, Event, EventType, Site  # noqa: E402
from surveillance.services.events import EVENT_COLUMNS, _row, record_events  # noqa: E402
from surveillance.services.partitions import add_months, current_month, ensure_partitions  # noqa: E402


def build_fixture(rule_count: int) -> tuple[Site, list[Camera], list[Person], list[PersonCluster]]:
    tag = uuid.uuid4().hex[:8]
    owner, _ = User.objects.get_or_create(
        username="bench-owner", defaults={"email": "bench@orin.invalid", "role": ensure_role(Role.ADMIN)}
    )
    site = Site.objects.create(name=f"bench-{tag}", timezone="Asia/Singapore")
    dvr = DVR.objects.create(site=site, name="bench", ip_address="192.0.2.250")
    cameras = [Camera.objects.create(dvr=dvr, channel_number=i, name=f"bench-{tag}-{i}") for i in range(1, 9)]
    zones = [
        CameraZone.objects.create(
            camera=c,
            name="bench zone",
            zone_type="restricted",
            polygon_points=[{"x": 0, "y": 0.5}, {"x": 1, "y": 0.5}, {"x": 1, "y": 1}, {"x": 0, "y": 1}],
        )
        for c in cameras
    ]
    persons = [
        Person.objects.create(
            name=f"bench-{tag}-{i}", status=random.choice(["known", "vip", "blacklisted"]), role=f"role-{i % 4}"
        )
        for i in range(20)
    ]
    clusters = [
        PersonCluster.objects.create(
            cluster_label=f"bench-{tag}-{i:04d}", first_seen=timezone.now(), last_seen=timezone.now()
        )
        for i in range(40)
    ]
    watchlist = Watchlist.objects.create(name=f"bench-{tag}", watch_type="suspect", created_by=owner)
    for person in persons[:5]:
        WatchlistEntry.objects.create(watchlist=watchlist, person=person, added_by=owner)
    rng = random.Random(1)
    types = [None, EventType.PERSON_RECOGNIZED, EventType.FACE_DETECTED, EventType.HUMAN_DETECTED]
    overnight = {"days": [1, 2, 3, 4, 5], "start_time": "18:00", "end_time": "06:00"}
    for i in range(rule_count):
        camera = rng.choice(cameras)
        fields = {
            "camera": camera if i % 3 else None,
            "person": rng.choice(persons) if i % 5 == 0 else None,
            "event_type": rng.choice(types),
            "zone": zones[cameras.index(camera)] if i % 4 == 0 else None,
            "confidence_threshold": Decimal(str(rng.choice([0.6, 0.8, 0.9]))),
            "severity": None if i % 6 == 1 else "medium",
        }
        if i % 7 == 2:
            fields["schedule"] = overnight
        if i % 8 == 3:
            fields["quiet_hours"] = {"start": "12:00", "end": "13:30", "enabled": True}
        if i % 9 == 4:
            fields.update(person=None, person_status="unknown", event_type=EventType.FACE_DETECTED)
        if i % 10 == 5:
            fields.update(person=None, watchlist=watchlist)
        if i % 11 == 6:
            fields.update(person=None, person_role="role-1")
        AlertRule.objects.create(name=f"bench-{tag}-rule-{i}", created_by=owner, **fields)
    return site, cameras, persons, clusters


def make_events(
    count: int,
    cameras: list[Camera],
    persons: list[Person],
    clusters: list[PersonCluster],
    rng: random.Random,
    spread: str = "sightings",
) -> list[Event]:
    now = timezone.now()
    span = (now - dt.datetime.combine(add_months(current_month(), -1), dt.time(), dt.UTC)).total_seconds()
    kinds = [EventType.HUMAN_DETECTED, EventType.FACE_DETECTED, EventType.PERSON_RECOGNIZED, EventType.MOTION_DETECTED]
    events: list[Event] = []
    while len(events) < count:
        kind = rng.choice(kinds)
        camera_id = rng.choice(cameras).id
        person_id = rng.choice(persons).id if kind == EventType.PERSON_RECOGNIZED else None
        cluster_id = rng.choice(clusters).id if kind == EventType.FACE_DETECTED else None
        moment = now - dt.timedelta(seconds=rng.uniform(0, span))
        x, y = rng.randint(0, 1700), rng.randint(0, 800)
        frames = 1 if spread == "uniform" else rng.randint(1, 8)
        for _ in range(min(frames, count - len(events))):
            events.append(
                Event(
                    id=uuid.uuid4(),
                    camera_id=camera_id,
                    event_type=kind,
                    person_id=person_id,
                    cluster_id=cluster_id,
                    confidence=Decimal(f"{rng.uniform(0.5, 0.99):.3f}"),
                    bounding_box={
                        "x": x,
                        "y": y,
                        "width": 120,
                        "height": 260,
                        "frame_width": 1920,
                        "frame_height": 1080,
                    },
                    timestamp=moment,
                    metadata={"source": "bench"},
                )
            )
            moment += dt.timedelta(seconds=rng.uniform(0.5, 2.5))
            x, y = min(max(x + rng.randint(-30, 30), 0), 1700), min(max(y + rng.randint(-20, 20), 0), 800)
    return events


def raw_copy(events: list[Event]) -> None:
    now = timezone.now()
    columns = ", ".join(EVENT_COLUMNS)
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY events ({columns}) FROM STDIN") as copy,
    ):
        for event in events:
            copy.write_row(_row(event, now))


def timed(label: str, total: int, batch: int, step, generate) -> float:
    elapsed = 0.0
    done = 0
    while done < total:
        events = generate(min(batch, total - done))
        start = time.perf_counter()
        step(events)
        elapsed += time.perf_counter() - start
        done += len(events)
    rate = total / elapsed
    print(f"{label:<44} {total:>9,} events in {elapsed:7.2f} s = {rate:>10,.0f} events/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--spread", choices=["sightings", "uniform"], default="sightings")
    parser.add_argument("--live-feed", choices=["on", "off"], default="on")
    args = parser.parse_args()
    if args.events <= 0 or args.batch <= 0 or args.rules < 0:
        parser.error("--events and --batch must be positive, --rules not negative")
    # A stopped run (timeout, Ctrl-C) still removes its fixture.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    this_month = current_month()
    ensure_partitions("events", add_months(this_month, -1), this_month)
    if args.live_feed == "off":
        for sig in (alert_changed, alerts_changed):
            sig.receivers = []
            sig.sender_receivers_cache.clear()
    site, cameras, persons, clusters = build_fixture(args.rules)
    rng = random.Random(7)
    generate = lambda n: make_events(n, cameras, persons, clusters, rng, args.spread)  # noqa: E731
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, batch {args.batch:,}, "
        f"{AlertRule.objects.filter(is_active=True).count()} active rules ({args.rules} bench), 8 cameras, "
        f"events as {args.spread}, live-feed receivers {args.live_feed} "
        f"({len(alert_changed.receivers)} per-alert, {len(alerts_changed.receivers)} per-batch)"
    )
    try:
        alerts_before = Alert.objects.count()
        ours = timed("ORIN bulk path (COPY + rules + alerts)", args.events, args.batch, record_events, generate)
        raised = Alert.objects.filter(camera__dvr__site=site)
        alerts = Alert.objects.count() - alerts_before
        folded = sum(raised.values_list("occurrences", flat=True)) - alerts
        raw = timed("raw COPY into events (no rules)", args.events, args.batch, raw_copy, generate)
        print(f"alerts raised by the ORIN path: {alerts:,} (+ {folded:,} repeats folded into them by cooldowns)")
        print(f"ratio ORIN / raw COPY: {ours / raw:.1%}  (target >= 25 %, and >= 5,000 events/s)")
    finally:
        start = time.perf_counter()
        with transaction.atomic():
            Alert.objects.filter(camera__dvr__site=site).delete()
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM events WHERE camera_id = ANY(%s)", [[c.id for c in cameras]])
            AlertRule.objects.filter(camera__dvr__site=site).delete()
            AlertRule.objects.filter(name__startswith=site.name).delete()
            Watchlist.objects.filter(name=site.name).delete()
            site.delete()
            Person.objects.filter(id__in=[p.id for p in persons]).delete()
            PersonCluster.objects.filter(id__in=[c.id for c in clusters]).delete()
        print(f"cleaned up in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
