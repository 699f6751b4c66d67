"""Writing matched rules as alerts: cooldown folding, then COPY for the new ones.

Repeats of one rule + camera + person (or unknown cluster) whose times lie within the rule's
cooldown of each other form a run; a run folds into an open alert of the same key that it
overlaps (count + first/last seen), else it becomes one new alert. Per batch this is one
advisory-lock statement (so two ingest processes can't both open an alert for the same key),
one lookup of the open alerts the runs touch, one UPDATE for the folds and one COPY for the new
alerts — never a statement per event.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models.base import ModelState
from django.utils import timezone

from accounts.services.rls import copy_rows
from alerts.models import NO_SUBJECT, OPEN_ALERT_STATUSES, Alert, AlertStatus, DeliveryPurpose
from alerts.services.rules import SUBJECT_LABELS, CameraInfo, Match, PersonInfo
from alerts.signals import announce
from surveillance.services.localtime import local_time

# pg_advisory_xact_lock(int, int) namespace for "rule × camera" fold keys ("AL" + 1).
FOLD_LOCK_CLASS = 0x414C01

ALERT_COLUMNS = (
    "id",
    "event_id",
    "alert_rule_id",
    "person_id",
    "cluster_id",
    "camera_id",
    "alert_type",
    "severity",
    "message",
    "status",
    "created_at",
    "occurrences",
    "first_seen",
    "last_seen",
    "confidence",
    "snapshot_path",
    "escalation_level",
)
_ATTNAMES = [f.attname for f in Alert._meta.concrete_fields]
_DB_COLUMNS = [f.column for f in Alert._meta.concrete_fields]
_OPEN_SQL = ", ".join(f"'{status}'" for status in OPEN_ALERT_STATUSES)

# The open alert of each run's key nearest its time window. Open alerts of one key don't overlap,
# so the first one ending at or after the window's start is the only candidate: one index probe
# per run (idx_alerts_fold), and arrays travel as text because psycopg adapts lists per element.
_FIND_SQL = f"""
    SELECT r.idx, hit.id
      FROM unnest(
               string_to_array(%s, ',')::int[],
               string_to_array(%s, ',')::uuid[],
               string_to_array(%s, ',')::uuid[],
               string_to_array(%s, ',')::uuid[],
               string_to_array(%s, ',')::float8[],
               string_to_array(%s, ',')::float8[]
           ) AS r(idx, rule_id, camera_id, subject_id, lo, hi)
     CROSS JOIN LATERAL (
           SELECT a.id, a.first_seen
             FROM alerts a
            WHERE a.alert_rule_id = r.rule_id
              AND a.camera_id = r.camera_id
              AND COALESCE(a.person_id, a.cluster_id, '{NO_SUBJECT}'::uuid) = r.subject_id
              AND a.status IN ({_OPEN_SQL})
              AND a.last_seen >= to_timestamp(r.lo)
            ORDER BY a.last_seen
            LIMIT 1
           ) hit
     WHERE hit.first_seen <= to_timestamp(r.hi)
"""


_EMPTY_ROW = dict.fromkeys(_ATTNAMES)


def _instance(values: dict) -> Alert:
    """An Alert for a row just written, without Model.__init__ (its per-field descriptor work
    costs more than the COPY on a big batch); equivalent to what `from_db` would return."""
    alert = Alert.__new__(Alert)
    alert.__dict__.update(_EMPTY_ROW)
    alert.__dict__.update(values)
    alert._state = ModelState()
    alert._state.adding = False
    alert._state.db = "default"
    return alert


@dataclass(slots=True)
class Run:
    matches: list
    first_seen: dt.datetime
    last_seen: dt.datetime
    folded_into: object = None  # id of the open alert this run folds into

    @property
    def head(self) -> Match:
        return self.matches[0]


def fold_key(match: Match) -> tuple:
    event = match.event
    return match.rule.id, event.camera_id, event.person_id or event.cluster_id


def build_runs(matches: list[Match]) -> dict[tuple, list[Run]]:
    """Group matches by key, then split each key's matches where the gap exceeds the cooldown."""
    by_key: dict[tuple, list[Match]] = defaultdict(list)
    for match in matches:
        by_key[fold_key(match)].append(match)
    runs: dict[tuple, list[Run]] = {}
    for key, group in by_key.items():
        group.sort(key=lambda m: m.event.timestamp)
        cooldown = dt.timedelta(seconds=group[0].rule.cooldown)
        key_runs: list[Run] = []
        for match in group:
            moment = match.event.timestamp
            current = key_runs[-1] if key_runs else None
            if current is not None and cooldown and moment - current.last_seen <= cooldown:
                current.matches.append(match)
                current.last_seen = moment
            else:
                key_runs.append(Run([match], moment, moment))
        runs[key] = key_runs
    return runs


def _lock_keys(keys) -> None:
    pairs = sorted({zlib.crc32(f"{rule_id}:{camera_id}".encode()) - 2**31 for rule_id, camera_id, _ in keys})
    if pairs:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(%s, k)) FROM unnest(%s::int[]) AS t(k)",
                [FOLD_LOCK_CLASS, pairs],
            )


def _find_open_alerts(runs: dict[tuple, list[Run]]) -> None:
    """Point each run at the open alert of its key that it overlaps within the cooldown, if any."""
    flat = [(key, run) for key, key_runs in runs.items() for run in key_runs if run.head.rule.cooldown]
    if not flat:
        return
    _lock_keys(runs.keys())
    columns: tuple[list, ...] = ([], [], [], [], [], [])
    for index, (key, run) in enumerate(flat):
        cooldown = run.head.rule.cooldown
        values = (
            index,
            key[0],
            key[1],
            key[2] or NO_SUBJECT,
            run.first_seen.timestamp() - cooldown,
            run.last_seen.timestamp() + cooldown,
        )
        for column, value in zip(columns, values):
            column.append(str(value))
    with connection.cursor() as cursor:
        cursor.execute(_FIND_SQL, [",".join(column) for column in columns])
        for index, alert_id in cursor.fetchall():
            flat[index][1].folded_into = alert_id


def _fold(runs: list[Run]) -> list[Alert]:
    """Add the runs' occurrences to their open alerts; returns the updated alerts."""
    totals: dict = {}
    for run in runs:
        count, first, last = totals.get(run.folded_into, (0, run.first_seen, run.last_seen))
        totals[run.folded_into] = (count + len(run.matches), min(first, run.first_seen), max(last, run.last_seen))
    ids, counts, firsts, lasts = zip(*((k, *v) for k, v in totals.items()))
    columns = ", ".join(f'a."{name}"' for name in _DB_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE alerts a
               SET occurrences = a.occurrences + d.n,
                   first_seen = LEAST(a.first_seen, d.first_seen),
                   last_seen = GREATEST(a.last_seen, d.last_seen)
              FROM unnest(%s::uuid[], %s::int[], %s::timestamptz[], %s::timestamptz[])
                   AS d(id, n, first_seen, last_seen)
             WHERE a.id = d.id
            RETURNING {columns}
            """,
            [list(ids), list(counts), list(firsts), list(lasts)],
        )
        rows = cursor.fetchall()
    return [_instance(dict(zip(_ATTNAMES, row))) for row in rows]


def alert_message(match: Match, camera: CameraInfo, person: PersonInfo | None, cluster_label: str | None) -> str:
    """The seed trigger's wording: '<who> detected on camera "<name>" at <time>' (+ the rule's zone)."""
    event = match.event
    who = (person.name if person else None) or cluster_label or SUBJECT_LABELS.get(event.event_type, "Unknown person")
    where = f' in zone "{match.rule.zone_name}"' if match.rule.zone_name else ""
    return f'{who} detected on camera "{camera.name}"{where} at {local_time(event.timestamp, camera.site_timezone)}'


def _cluster_labels(runs: list[Run]) -> dict:
    from faces.models import PersonCluster

    ids = {run.head.event.cluster_id for run in runs if run.head.event.cluster_id and not run.head.event.person_id}
    if not ids:
        return {}
    return dict(PersonCluster.objects.filter(id__in=ids).values_list("id", "cluster_label"))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _text(value) -> str:
    """Text in COPY's format: backslash, tab and line breaks escaped; NULL as \\N."""
    return _NULL if value is None else str(value).translate(_COPY_ESCAPES)


def _plain(value) -> str:
    """A number or timestamp: nothing to escape."""
    return _NULL if value is None else str(value)


def _uuid(value) -> str:
    # 32 hex digits, which PostgreSQL reads as a uuid, are cheaper to format than str(uuid).
    if value is None:
        return _NULL
    return value.hex if isinstance(value, uuid.UUID) else _text(value)


def _create(runs: list[Run], cameras: dict, persons: dict) -> list[Alert]:
    now = timezone.now()
    now_text = str(now)
    labels = _cluster_labels(runs)
    alerts = []
    lines = []
    for run in runs:
        match = run.head
        event = match.event
        person = persons.get(event.person_id) if event.person_id else None
        alert_id = uuid.uuid4()
        message = alert_message(match, cameras[event.camera_id], person, labels.get(event.cluster_id))
        snapshot = getattr(event, "image_path", None)
        count = len(run.matches)
        # Text rows written in one go: psycopg's write_row adapts value by value, which costs
        # more than the whole COPY on the server. Order: ALERT_COLUMNS.
        lines.append(
            f"{alert_id.hex}\t{_uuid(event.id)}\t{match.rule.id.hex}\t{_uuid(event.person_id)}\t"
            f"{_uuid(event.cluster_id)}\t{_uuid(event.camera_id)}\t{_text(event.event_type)}\t{match.severity}\t{_text(message)}\t"
            f"{AlertStatus.PENDING.value}\t{now_text}\t{count}\t{run.first_seen}\t{run.last_seen}\t"
            f"{_plain(event.confidence)}\t{_text(snapshot)}\t0"
        )
        alerts.append(
            _instance(
                {
                    "id": alert_id,
                    "event_id": event.id,
                    "alert_rule_id": match.rule.id,
                    "person_id": event.person_id,
                    "cluster_id": event.cluster_id,
                    "camera_id": event.camera_id,
                    "alert_type": event.event_type,
                    "severity": match.severity,
                    "message": message,
                    "status": AlertStatus.PENDING,
                    "created_at": now,
                    "occurrences": count,
                    "first_seen": run.first_seen,
                    "last_seen": run.last_seen,
                    "confidence": event.confidence,
                    "snapshot_path": snapshot,
                    "escalation_level": 0,
                }
            )
        )
    lines.append("")
    # copy_rows: plain COPY, or through a staging table where row-level security applies.
    with connection.cursor() as cursor, copy_rows(cursor, "alerts", ALERT_COLUMNS) as copy:
        copy.write("\n".join(lines))
    return alerts


def raise_rule_alerts(matches: list[Match], cameras: dict, persons: dict) -> list[Alert]:
    """Fold or create the alerts for a batch's matches; returns the new ones."""
    from alerts.services.dispatch import plan_deliveries

    runs = build_runs(matches)
    _find_open_alerts(runs)
    all_runs = [run for key_runs in runs.values() for run in key_runs]
    folding = [run for run in all_runs if run.folded_into is not None]
    fresh = [run for run in all_runs if run.folded_into is None]
    folded = _fold(folding) if folding else []
    created = _create(fresh, cameras, persons) if fresh else []
    announce(created, "created")
    announce(folded, "folded")
    pairs = [(alert.pk, channel_id) for run, alert in zip(fresh, created) for channel_id in run.head.rule.channel_ids]
    if pairs:
        plan_deliveries(pairs, DeliveryPurpose.ALERT)
    return created
