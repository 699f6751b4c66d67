"""Console page latency at scale: the dashboard and the event screens with millions of events.

    DATABASE_URL=postgres://…/orin_console_bench .orin/venv/bin/python bench/console.py --events 10000000

Run it against a throw-away database (it refuses a database whose name lacks "bench" unless
--any-database): it adds two sites with eight cameras each, persons, clusters, `--events`
events spread uniformly over the last twelve months (one monthly partition each) and
`--alerts` alerts, then requests each console page `--requests` times through Django's test
client (full stack: middleware, policy, queries, templates) as a site-scoped operator and as a
super admin, and prints p50/p95 per page. Targets (BRIEF): dashboard and events list p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402

from accounts.mfa_models import TOTPDevice  # noqa: E402
from accounts.models import Role, User, UserSiteAssignment  # noqa: E402
from accounts.services.roles import ensure_role  # noqa: E402
from faces.models import Person, PersonCluster  # noqa: E402
from surveillance.models import DVR, Camera, Site  # noqa: E402
from surveillance.services.partitions import add_months, current_month, ensure_partitions  # noqa: E402

BATCH = 1_000_000
EVENT_TYPES = ["human_detected", "human_detected", "face_detected", "person_recognized", "motion_detected"]


def build_fixture():
    sites = [Site.objects.get_or_create(name=f"Bench site {n}")[0] for n in ("A", "B")]
    cameras = []
    for site in sites:
        dvr, _ = DVR.objects.get_or_create(site=site, name=f"{site.name} NVR", defaults={"ip_address": "192.0.2.9"})
        for channel in range(1, 9):
            camera, _ = Camera.objects.get_or_create(
                dvr=dvr, channel_number=channel, defaults={"name": f"{site.name} cam {channel}", "status": "online"}
            )
            cameras.append(camera)
    # Loaded events pick persons and clusters by position: keep the creation order on reruns.
    persons = sorted(Person.objects.filter(name__startswith="Bench person"), key=lambda p: int(p.name.split()[-1])) or [
        Person.objects.create(name=f"Bench person {i}", status="known") for i in range(200)
    ]
    clusters = list(PersonCluster.objects.filter(cluster_label__startswith="Bench-").order_by("cluster_label"))
    if not clusters:
        from django.utils import timezone

        now = timezone.now()
        clusters = PersonCluster.objects.bulk_create(
            PersonCluster(cluster_label=f"Bench-{i:05d}", first_seen=now, last_seen=now, sample_count=3)
            for i in range(2000)
        )
    operator, _ = User.objects.get_or_create(
        username="bench-operator", defaults={"email": "bench-op@orin.invalid", "role": ensure_role(Role.OPERATOR)}
    )
    UserSiteAssignment.objects.get_or_create(user=operator, site=sites[0])
    boss, _ = User.objects.get_or_create(
        username="bench-superadmin",
        defaults={"email": "bench-sa@orin.invalid", "role": ensure_role(Role.SUPER_ADMIN), "is_staff": True},
    )
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    operator.refresh_from_db()
    return sites, cameras, persons, clusters, operator, boss


def load_events(total: int, cameras, persons, clusters) -> float:
    month = current_month()
    ensure_partitions("events", add_months(month, -12), add_months(month, 1))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        done = 0
        while done < total:
            n = min(BATCH, total - done)
            cursor.execute(
                """
                INSERT INTO events (id, camera_id, event_type, person_id, cluster_id, confidence, bounding_box,
                                    image_path, timestamp, metadata, reviewed, created_at)
                SELECT gen_random_uuid(),
                       (%(cameras)s::uuid[])[1 + (i %% %(ncam)s)],
                       (%(types)s::text[])[1 + (i %% 5)],
                       CASE WHEN i %% 5 = 3 THEN (%(persons)s::uuid[])[1 + (i %% %(nper)s)] END,
                       CASE WHEN i %% 5 = 2 THEN (%(clusters)s::uuid[])[1 + (i %% %(nclu)s)] END,
                       0.5 + random() / 2,
                       '{"x": 100, "y": 80, "width": 60, "height": 90, "frame_width": 1920, "frame_height": 1080}',
                       NULL,
                       now() - random() * interval '364 days',
                       '{}',
                       i %% 3 = 0,
                       now()
                FROM generate_series(1, %(n)s) AS i
                """,
                {
                    "cameras": [str(c.id) for c in cameras],
                    "ncam": len(cameras),
                    "types": EVENT_TYPES,
                    "persons": [str(p.id) for p in persons],
                    "nper": len(persons),
                    "clusters": [str(c.id) for c in clusters],
                    "nclu": len(clusters),
                    "n": n,
                },
            )
            done += n
            print(f"  {done:,} events", flush=True)
        cursor.execute("ANALYZE events")
    return time.perf_counter() - started


def load_alerts(total: int, cameras) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO alerts (id, camera_id, alert_type, severity, message, status, created_at)
            SELECT gen_random_uuid(), (%(cameras)s::uuid[])[1 + (i %% %(ncam)s)], 'human_detected',
                   (ARRAY['low','medium','high','critical'])[1 + (i %% 4)], 'bench alert',
                   CASE WHEN i %% 100 = 0 THEN 'pending' ELSE 'resolved' END,
                   now() - random() * interval '364 days'
            FROM generate_series(1, %(n)s) AS i
            """,
            {"cameras": [str(c.id) for c in cameras], "ncam": len(cameras), "n": total},
        )
        cursor.execute("ANALYZE alerts")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(client: Client, url: str, requests: int) -> tuple[float, float]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--alerts", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-load", action="store_true", help="measure only (data already loaded)")
    parser.add_argument("--any-database", action="store_true")
    args = parser.parse_args()
    if "bench" not in connection.settings_dict["NAME"] and not args.any_database:
        sys.exit("refusing: run against a throw-away database whose name contains 'bench' (or --any-database)")

    sites, cameras, persons, clusters, operator, boss = build_fixture()
    if not args.skip_load:
        print(f"loading {args.events:,} events over 12 months…", flush=True)
        seconds = load_events(args.events, cameras, persons, clusters)
        print(f"loaded in {seconds:.0f} s ({args.events / seconds:,.0f} rows/s)")
        load_alerts(args.alerts, cameras)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events")
        print(f"events in the table: {cursor.fetchone()[0]:,}")

    camera, person, cluster = cameras[0], persons[3], clusters[2]
    events = reverse("admin:console_events")
    pages = [
        ("dashboard (admin index)", reverse("admin:index")),
        ("dashboard.json (live refresh)", reverse("admin:console_dashboard_data")),
        ("events, last 24 h", events),
        ("events, 7 d, one camera", f"{events}?range=7d&camera={camera.pk}"),
        ("events, 90 d, one person", f"{events}?range=90d&person={person.pk}"),
        (
            "events, 30 d, unreviewed faces",
            f"{events}?range=30d&event_type=face_detected&reviewed=no",
        ),
        ("admin events changelist", reverse("admin:surveillance_event_changelist")),
        ("alert queue", reverse("admin:console_alerts")),
        ("person timeline, 365 d", f"{reverse('admin:console_person_timeline', args=[person.pk])}?range=365d"),
        ("cluster timeline, 30 d", reverse("admin:console_cluster_timeline", args=[cluster.pk])),
        ("face review queue", reverse("admin:console_review")),
    ]
    signed_in(boss).get(pages[0][1])  # loads everything a server loads at start
    gc.freeze()  # as orin/asgi.py does once it has loaded them
    for who, user in (("operator (site A)", operator), ("super admin (all sites)", boss)):
        client = signed_in(user)
        print(f"\n{who}: {args.requests} requests per page")
        for name, url in pages:
            p50, p95 = measure(client, url, args.requests)
            print(f"  {name:34s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
