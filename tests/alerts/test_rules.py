"""Rule evaluation, field by field: each condition matching and not matching, on events stored
through the real ingest path (COPY into the partitioned table + rules in one transaction)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert, AlertRule
from alerts.services.rules import rule_matches
from alerts.services.suspicious import record_suspicious_activities
from faces.models import Watchlist, WatchlistEntry
from surveillance.models import Event, SuspiciousActivityEvent
from surveillance.services.events import record_events
from tests.factories import (
    AlertRuleFactory,
    CameraFactory,
    ClusterFactory,
    PersonFactory,
    SiteFactory,
    UserFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db

SGT = ZoneInfo("Asia/Singapore")  # UTC+8 all year


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Singapore, November 2026: day 18 is a Wednesday (seed weekday 3)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SGT)


WEDNESDAY_NOON = local(18, 12)


@pytest.fixture
def world():
    site = SiteFactory(timezone="Asia/Singapore")
    cam_a = CameraFactory(dvr__site=site, name="Gate")
    cam_b = CameraFactory(dvr__site=site, name="Lobby")
    owner = UserFactory(role_name="admin")
    watchlist = Watchlist.objects.create(name="Suspects", watch_type="suspect", created_by=owner)
    inactive_list = Watchlist.objects.create(name="Old", watch_type="blacklist", created_by=owner, is_active=False)
    known = PersonFactory(name="Kim", status="known", role="Cleaner")
    vip = PersonFactory(name="Vera", status="vip", role="Guard")
    banned = PersonFactory(name="Bob", status="blacklisted")
    WatchlistEntry.objects.create(watchlist=watchlist, person=known, added_by=owner)
    WatchlistEntry.objects.create(watchlist=inactive_list, person=vip, added_by=owner)
    return {
        "cam_a": cam_a,
        "cam_b": cam_b,
        # Lower-left quarter of the frame.
        "zone": ZoneFactory(camera=cam_a, name="Dock"),
        "zone_off": ZoneFactory(camera=cam_a, name="Closed", is_active=False),
        "known": known,
        "vip": vip,
        "banned": banned,
        "cluster": ClusterFactory(cluster_label="Unknown-00042"),
        "watchlist": watchlist,
        "inactive_list": inactive_list,
        "owner": owner,
    }


INSIDE = {"x": 100, "y": 600, "width": 100, "height": 300, "frame_width": 1920, "frame_height": 1080}
OUTSIDE = {"x": 1500, "y": 100, "width": 100, "height": 300, "frame_width": 1920, "frame_height": 1080}


def make_event(world, **spec) -> Event:
    values = {
        "camera": "cam_a",
        "event_type": "human_detected",
        "confidence": "0.900",
        "bounding_box": INSIDE,
        "timestamp": WEDNESDAY_NOON,
        **spec,
    }
    event = Event(
        camera=world[values.pop("camera")],
        event_type=values.pop("event_type"),
        confidence=Decimal(values.pop("confidence")),
        bounding_box=values.pop("bounding_box"),
        timestamp=values.pop("timestamp"),
    )
    if "person" in values:
        event.person = world[values.pop("person")]
    if "cluster" in values:
        event.cluster = world[values.pop("cluster")]
    assert not values, values
    return event


def make_rule(world, **spec) -> AlertRule:
    fields = {"confidence_threshold": Decimal("0.5"), "severity": "high"}
    for name, value in spec.items():
        fields[name] = world[value] if name in ("camera", "person", "zone", "watchlist") else value
    if "confidence_threshold" in spec:
        fields["confidence_threshold"] = Decimal(spec["confidence_threshold"])
    return AlertRuleFactory(created_by=world["owner"], **fields)


# (case id, rule fields, event fields, expected match)
CASES = [
    ("camera matches", {"camera": "cam_a"}, {}, True),
    ("camera differs", {"camera": "cam_a"}, {"camera": "cam_b"}, False),
    ("any camera", {}, {"camera": "cam_b"}, True),
    ("event type matches", {"event_type": "human_detected"}, {}, True),
    ("event type differs", {"event_type": "motion_detected"}, {}, False),
    ("person matches", {"person": "known"}, {"event_type": "person_recognized", "person": "known"}, True),
    ("person differs", {"person": "known"}, {"event_type": "person_recognized", "person": "vip"}, False),
    ("person rule, no person", {"person": "known"}, {}, False),
    ("role matches, any case", {"person_role": "cleaner"}, {"person": "known"}, True),
    ("role differs", {"person_role": "cleaner"}, {"person": "vip"}, False),
    ("role rule, no person", {"person_role": "cleaner"}, {}, False),
    ("status matches", {"person_status": "blacklisted"}, {"person": "banned"}, True),
    ("status differs", {"person_status": "blacklisted"}, {"person": "known"}, False),
    (
        "unknown: cluster face",
        {"person_status": "unknown"},
        {"event_type": "face_detected", "cluster": "cluster"},
        True,
    ),
    ("unknown: unclustered face", {"person_status": "unknown"}, {"event_type": "face_detected"}, True),
    ("unknown: recognised person", {"person_status": "unknown"}, {"person": "known"}, False),
    ("unknown: motion is no face", {"person_status": "unknown"}, {"event_type": "motion_detected"}, False),
    ("on watchlist", {"watchlist": "watchlist"}, {"person": "known"}, True),
    ("not on watchlist", {"watchlist": "watchlist"}, {"person": "vip"}, False),
    ("inactive watchlist", {"watchlist": "inactive_list"}, {"person": "vip"}, False),
    ("zone: feet inside", {"zone": "zone"}, {}, True),
    ("zone: feet outside", {"zone": "zone"}, {"bounding_box": OUTSIDE}, False),
    (
        "zone: normalised box",
        {"zone": "zone"},
        {"bounding_box": {"x": 0.1, "y": 0.5, "width": 0.1, "height": 0.3}},
        True,
    ),
    ("zone: box can't be placed", {"zone": "zone"}, {"bounding_box": {"x": 100, "y": 600}}, False),
    ("zone: another camera", {"zone": "zone"}, {"camera": "cam_b"}, False),
    ("zone switched off", {"zone": "zone_off"}, {}, False),
    ("threshold equal", {"confidence_threshold": "0.900"}, {"confidence": "0.900"}, True),
    ("threshold just below", {"confidence_threshold": "0.900"}, {"confidence": "0.899"}, False),
    ("day matches (Wed = 3)", {"schedule": {"days": [3], "start_time": "00:00", "end_time": "23:59"}}, {}, True),
    ("day differs", {"schedule": {"days": [4], "start_time": "00:00", "end_time": "23:59"}}, {}, False),
    # 12:00 in Singapore is 04:00 UTC: only the site's timezone makes this match.
    ("hours in site timezone", {"schedule": {"days": [3], "start_time": "09:00", "end_time": "17:00"}}, {}, True),
    (
        "hours: after the end",
        {"schedule": {"days": [3], "start_time": "09:00", "end_time": "17:00"}},
        {"timestamp": local(18, 18)},
        False,
    ),
    (
        "hours in the rule's own timezone",
        {"schedule": {"days": [3], "start_time": "09:00", "end_time": "17:00", "timezone": "UTC"}},
        {},
        False,
    ),
    (
        "18→06: evening",
        {"schedule": {"days": [3], "start_time": "18:00", "end_time": "06:00"}},
        {"timestamp": local(18, 23, 30)},
        True,
    ),
    (
        "18→06: after midnight belongs to the day before",
        {"schedule": {"days": [3], "start_time": "18:00", "end_time": "06:00"}},
        {"timestamp": local(19, 2)},
        True,
    ),
    (
        "18→06: after midnight of an unscheduled evening",
        {"schedule": {"days": [4], "start_time": "18:00", "end_time": "06:00"}},
        {"timestamp": local(19, 2)},
        False,
    ),
    (
        "18→06: 05:59",
        {"schedule": {"days": [3], "start_time": "18:00", "end_time": "06:00"}},
        {"timestamp": local(19, 5, 59)},
        True,
    ),
    (
        "18→06: 06:00 is over",
        {"schedule": {"days": [3], "start_time": "18:00", "end_time": "06:00"}},
        {"timestamp": local(19, 6)},
        False,
    ),
    ("18→06: noon", {"schedule": {"days": [3], "start_time": "18:00", "end_time": "06:00"}}, {}, False),
    ("quiet hours hold it back", {"quiet_hours": {"start": "11:00", "end": "13:00", "enabled": True}}, {}, False),
    (
        "quiet hours over",
        {"quiet_hours": {"start": "11:00", "end": "13:00", "enabled": True}},
        {"timestamp": local(18, 13, 30)},
        True,
    ),
    ("quiet hours disabled", {"quiet_hours": {"start": "11:00", "end": "13:00", "enabled": False}}, {}, True),
    (
        "quiet hours over midnight",
        {"quiet_hours": {"start": "22:00", "end": "06:00"}},
        {"timestamp": local(18, 23, 30)},
        False,
    ),
    ("inactive rule", {"is_active": False}, {}, False),
]


@pytest.mark.parametrize("rule_spec,event_spec,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_field(world, rule_spec, event_spec, expected):
    rule = make_rule(world, **rule_spec)
    event = make_event(world, **event_spec)
    alerts = record_events([event])
    assert bool(alerts) is expected
    assert Alert.objects.filter(alert_rule=rule).count() == int(expected)
    assert rule_matches(rule, event) is expected
    if expected:
        alert = alerts[0]
        assert (alert.event_id, alert.camera_id, alert.alert_rule_id) == (event.id, event.camera_id, rule.id)
        assert alert.first_seen == alert.last_seen == event.timestamp and alert.occurrences == 1


@pytest.mark.parametrize(
    "rule_severity,event_spec,expected",
    [
        ("high", {"person": "banned"}, "high"),
        (None, {"person": "banned"}, "critical"),
        (None, {"person": "vip"}, "medium"),  # on an inactive blacklist, which doesn't count
        (None, {"person": "known"}, "high"),  # status known, but on the suspect watchlist
        (None, {"event_type": "face_detected", "cluster": "cluster"}, "low"),
    ],
)
def test_severity_follows_the_seed_trigger_and_watchlists(world, rule_severity, event_spec, expected):
    make_rule(world, severity=rule_severity)
    (alert,) = record_events([make_event(world, **event_spec)])
    assert alert.severity == expected


def test_alert_for_an_unknown_face_names_its_cluster(world):
    make_rule(world, person_status="unknown", zone="zone")
    (alert,) = record_events([make_event(world, event_type="face_detected", cluster="cluster")])
    stored = Alert.objects.get(pk=alert.pk)
    assert stored.cluster_id == world["cluster"].id and stored.person_id is None
    assert stored.message.startswith('Unknown-00042 detected on camera "Gate" in zone "Dock" at 2026-11-18')


def test_message_uses_the_seed_wording_and_stores_evidence(world):
    make_rule(world)
    event = make_event(world, event_type="person_recognized", person="known")
    event.image_path = "snapshots/2026/11/18/x.jpg"
    (alert,) = record_events([event])
    stored = Alert.objects.get(pk=alert.pk)
    # The site's time (Singapore), to the second, with the zone: no UTC, no microseconds.
    local = event.timestamp.astimezone(ZoneInfo("Asia/Singapore")).strftime("%Y-%m-%d %H:%M:%S")
    assert stored.message == f'Kim detected on camera "Gate" at {local} +08'
    assert stored.confidence == Decimal("0.900") and stored.snapshot_path == "snapshots/2026/11/18/x.jpg"
    assert (stored.status, stored.escalation_level, stored.alert_type) == ("pending", 0, "person_recognized")


def test_names_with_tabs_backslashes_and_line_breaks_survive_the_copy(world):
    world["cam_a"].name = 'Gate\t"North"\\2\nB\r'
    world["cam_a"].save()
    make_rule(world)
    (alert,) = record_events([make_event(world)])
    assert Alert.objects.get(pk=alert.pk).message == alert.message
    assert alert.message.startswith('Unknown person detected on camera "Gate\t"North"\\2\nB\r" at ')


def test_a_broken_rule_is_skipped_not_fatal(world):
    broken = make_rule(world)
    AlertRule.objects.filter(pk=broken.pk).update(schedule={"days": "weekdays"})  # bypassing validation
    good = make_rule(world)
    alerts = record_events([make_event(world)])
    assert [a.alert_rule_id for a in alerts] == [good.id]


def test_queries_per_batch_do_not_grow_with_the_batch(world):
    for spec in ({"camera": "cam_a"}, {"zone": "zone"}, {"person_status": "unknown"}, {"severity": None}):
        make_rule(world, cooldown_seconds=0, **spec)

    def queries_for(count: int) -> int:
        events = [
            make_event(world, person="known", timestamp=WEDNESDAY_NOON + dt.timedelta(seconds=i)) for i in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            record_events(events)
        return len(captured)

    small, large = queries_for(5), queries_for(300)
    assert small == large <= 12, (small, large)
    assert Alert.objects.count() == 3 * 305  # camera, zone and severity-from-person rules each match


def test_suspicious_activity_always_raises_an_alert(world):
    activity = SuspiciousActivityEvent(
        camera=world["cam_a"],
        activity_type="loitering",
        zone=world["zone"],
        confidence=Decimal("0.876"),
        severity="high",
        timestamp=WEDNESDAY_NOON,
    )
    (alert,) = record_suspicious_activities([activity])
    stored = SuspiciousActivityEvent.objects.get(pk=activity.pk)
    assert stored.alert_sent is True
    alert = Alert.objects.get(pk=alert.pk)
    assert (alert.alert_type, alert.severity, alert.alert_rule_id) == ("suspicious_activity_loitering", "high", None)
    assert alert.message == (
        f'loitering detected on "Gate" in zone "Dock" at {WEDNESDAY_NOON.strftime("%Y-%m-%d %H:%M:%S")} +08. '
        "Confidence: 87.6%. Severity: high"
    )
    # Already alerted: not again.
    assert record_suspicious_activities([]) == []
    from alerts.services.suspicious import evaluate_suspicious_activities

    assert evaluate_suspicious_activities([stored]) == []
