"""The activity types (docs/analytics.md defines each): what one observation of a track, or one
instant of a camera, adds to the analysis. Every function works on a `CameraAnalysis` and the
track's state dict; reporting goes through `CameraAnalysis.report`, which keeps each activity
once per track and zone/line (marks under `track["rep"]`)."""

from __future__ import annotations

import math

from alerts.services.geometry import point_in_polygon
from analytics.services.config import ABANDONABLE, DIRECTED, INTEREST, PERSON, RESTRICTED, LineConfig, ZoneConfig
from analytics.services.geometry import iou, segments_cross, side
from analytics.services.state import CAMERA_KEY, CameraAnalysis, xy
from surveillance.models import ActivityType as A
from surveillance.services.tracks import TrackPoint

HEADINGS = {"up": (0.0, -1.0), "down": (0.0, 1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0)}


def _once(run: CameraAnalysis, track: dict, mark_key: str, activity: str, point: TrackPoint, **kwargs) -> dict | None:
    if mark_key in track["rep"]:
        return None
    mark = run.report(activity, point, track=track, **kwargs)
    if mark is not None:
        track["rep"][mark_key] = mark
    return mark


def observe_lines(run: CameraAnalysis, track: dict, point: TrackPoint) -> None:
    anchor = point.anchor
    for line in run.config.lines:
        if line.labels and point.label not in line.labels:
            continue
        now_side = side(line.a, line.b, anchor)
        if now_side == 0:
            continue  # on the line: decided by the next point off it
        key = str(line.id)
        before = track["lines"].get(key)
        track["lines"][key] = [now_side, anchor[0], anchor[1]]
        if (
            before is None
            or before[0] == now_side
            or not segments_cross((before[1], before[2]), anchor, line.a, line.b)
        ):
            continue
        direction = "a_to_b" if before[0] < 0 else "b_to_a"
        run.count(line.id, point.timestamp, point.label, direction)
        if line.allowed != "both" and direction != line.allowed:
            _line_breach(run, track, point, line, direction)


def _line_breach(run: CameraAnalysis, track: dict, point: TrackPoint, line: LineConfig, direction: str) -> None:
    _once(
        run,
        track,
        f"breach:line:{line.id}",
        A.ZONE_BREACH,
        point,
        key=f"line:{line.id}",
        severity=line.severity,
        details={
            "line_id": str(line.id),
            "line_name": line.name,
            "direction": direction,
            "allowed_direction": line.allowed,
            "crossing_point": xy(point.anchor),
            "label": point.label,
        },
    )


def observe_zones(run: CameraAnalysis, track: dict, point: TrackPoint) -> None:
    """Presence per zone with inertia: it flips after `inertia_points` consecutive points on the
    other side, dated from the first of them."""
    anchor = point.anchor
    now = point.timestamp.timestamp()
    for zone in run.config.zones:
        left, top, right, bottom = zone.box
        inside = left <= anchor[0] <= right and top <= anchor[1] <= bottom and point_in_polygon(anchor, zone.polygon)
        key = str(zone.id)
        state = track["zones"].get(key)
        if state is None:
            if not inside:
                continue
            state = track["zones"][key] = {"in": False, "streak": 0, "first": None, "since": None}
        if inside != state["in"]:
            state["streak"] += 1
            if state["streak"] == 1:
                state["first"] = now
            if state["streak"] >= zone.settings["inertia_points"]:
                state["in"], state["streak"] = inside, 0
                if inside:
                    state["since"] = state["first"]
                    _entered(run, track, point, zone)
                else:
                    left_zone(run, track, point, zone, state["first"])
        else:
            state["streak"] = 0
        if state["in"]:
            _inside(run, track, point, zone, now - state["since"])


def _entered(run: CameraAnalysis, track: dict, point: TrackPoint, zone: ZoneConfig) -> None:
    if point.label != PERSON:
        return
    _repeated_entry(run, track, point, zone)
    if zone.zone_type in DIRECTED and zone.heading in HEADINGS:
        _heading_breach(run, track, point, zone)


def _inside(run: CameraAnalysis, track: dict, point: TrackPoint, zone: ZoneConfig, dwell: float) -> None:
    if point.label != PERSON:
        return
    settings, where = zone.settings, {"zone_name": zone.name, "location": xy(point.anchor)}
    restricted_now = zone.zone_type == RESTRICTED and dwell >= settings["intrusion_dwell_s"]
    if restricted_now and (not zone.outside_hours_only or not run.config.is_open(point.timestamp)):
        _once(
            run,
            track,
            f"{A.INTRUSION}:{zone.id}",
            A.INTRUSION,
            point,
            zone_id=zone.id,
            severity=settings.severity_of(A.INTRUSION),
            details={"zone_name": zone.name, "entry_point": xy(point.anchor)},
        )
    if zone.zone_type == INTEREST:
        if dwell >= settings["dwell_s"]:
            _once(
                run,
                track,
                f"{A.DWELL_TIME}:{zone.id}",
                A.DWELL_TIME,
                point,
                zone_id=zone.id,
                severity=settings.severity_of(A.DWELL_TIME),
                details={**where, "duration_seconds": round(dwell, 1)},
            )
        return
    if dwell < settings["loitering_s"]:
        return
    key = f"{A.LOITERING}:{zone.id}"
    mark = track["rep"].get(key)
    realert = settings["loitering_realert_s"]
    if mark is not None and (not realert or mark.get("folded") or point.timestamp.timestamp() - mark["at"] < realert):
        return
    repeat = (mark or {}).get("repeat", 0) + (1 if mark else 0)
    details = {**where, "duration_seconds": round(dwell, 1)} | ({"repeat": repeat} if repeat else {})
    if mark is not None:
        run.update(mark, {"duration_seconds": round(dwell, 1)})
    new = run.report(
        A.LOITERING, point, zone_id=zone.id, severity=settings.severity_of(A.LOITERING), details=details, track=track
    )
    if new is not None:
        new["repeat"] = repeat
        track["rep"][key] = new


def left_zone(run: CameraAnalysis, track: dict, point: TrackPoint | None, zone: ZoneConfig, at: float) -> None:
    """The track left the zone (or ended) at `at`: close the zone's open activities with their
    final duration."""
    state = track["zones"][str(zone.id)]
    state["in"], state["streak"] = False, 0
    duration = round(at - state["since"], 1) if state.get("since") is not None else None
    for activity in (A.INTRUSION, A.LOITERING, A.DWELL_TIME):
        mark = track["rep"].get(f"{activity}:{zone.id}")
        if mark and mark.get("open"):
            mark["open"] = False
            patch = {"ended": True, "duration_seconds": duration}
            if point is not None:
                patch["exit_point"] = xy(point.anchor)
            run.update(mark, patch)


def _repeated_entry(run: CameraAnalysis, track: dict, point: TrackPoint, zone: ZoneConfig) -> None:
    settings = zone.settings
    who = (
        f"person:{point.person_id}"
        if point.person_id
        else f"cluster:{point.cluster_id}"
        if point.cluster_id
        else f"track:{point.track_id}"
    )
    now = point.timestamp.timestamp()
    window = settings["repeat_window_s"]
    entries = run.camera.setdefault("entries", {})
    key = f"{who}|{zone.id}"
    times = [t for t in entries.get(key, []) if now - t <= window] + [now]
    entries[key] = times[-50:]
    run.dirty.add(CAMERA_KEY)
    reported = run.camera.setdefault("repeat_reported", {})
    if len(times) >= settings["repeat_count"] and now - reported.get(key, -math.inf) > window:
        mark = run.report(
            A.REPEATED_ENTRY,
            point,
            zone_id=zone.id,
            severity=settings.severity_of(A.REPEATED_ENTRY),
            details={"zone_name": zone.name, "entries": len(times), "window_seconds": window, "identity": who},
        )
        if mark is not None:
            reported[key] = now


def _heading(track: dict, now: float) -> tuple[float, float] | None:
    recent = [h for h in track["hist"] if now - h[0] <= 2.0]
    if len(recent) < 2:
        return None
    return recent[-1][1] - recent[0][1], recent[-1][2] - recent[0][2]


def _heading_breach(run: CameraAnalysis, track: dict, point: TrackPoint, zone: ZoneConfig) -> None:
    move = _heading(track, point.timestamp.timestamp())
    if move is None or math.hypot(*move) < zone.settings["heading_min_move"]:
        return
    allowed = HEADINGS[zone.heading]
    if move[0] * allowed[0] + move[1] * allowed[1] >= 0:
        return
    _once(
        run,
        track,
        f"breach:zone:{zone.id}",
        A.ZONE_BREACH,
        point,
        zone_id=zone.id,
        severity=zone.settings.severity_of(A.ZONE_BREACH),
        details={
            "zone_name": zone.name,
            "zone_type": zone.zone_type,
            "allowed_heading": zone.heading,
            "movement": xy(move),
            "entry_point": xy(point.anchor),
        },
    )


def observe_person(run: CameraAnalysis, track: dict, point: TrackPoint) -> None:
    settings = run.config.settings
    now = point.timestamp.timestamp()
    if track["n"] >= settings["inertia_points"] and not run.config.is_open(point.timestamp):
        _once(
            run,
            track,
            A.AFTER_HOURS,
            A.AFTER_HOURS,
            point,
            severity=settings.severity_of(A.AFTER_HOURS),
            details={"location": xy(point.anchor), "local_time": run.config.local(point.timestamp).isoformat()},
        )
    earlier = [h for h in track["hist"] if now - h[0] >= settings["running_min_s"]]
    if earlier:
        t0, x0, y0 = earlier[-1]
        speed = math.hypot(point.anchor[0] - x0, point.anchor[1] - y0) / (now - t0)
        if speed >= settings["running_speed"]:
            _once(
                run,
                track,
                A.RUNNING,
                A.RUNNING,
                point,
                severity=settings.severity_of(A.RUNNING),
                details={"speed": round(speed, 3), "location": xy(point.anchor)},
            )


def observe_object(run: CameraAnalysis, track: dict, point: TrackPoint) -> None:
    """Abandoned object: a bag whose box keeps ≥ `stationary_iou` overlap with where it settled
    for `abandoned_s`, with no person's feet within `owner_distance` of it."""
    if point.label not in ABANDONABLE:
        return
    settings = run.config.settings
    now = point.timestamp.timestamp()
    still = track["still"]
    if still is None or iou(tuple(still[0]), point.box) < settings["stationary_iou"]:
        track["still"] = [list(point.box), now]
        return
    if now - still[1] < settings["abandoned_s"] or A.ABANDONED_OBJECT in track["rep"]:
        return
    ax, ay = point.anchor
    for _, other in run.active_tracks(now, PERSON):
        if (
            other["hist"]
            and math.hypot(other["hist"][-1][1] - ax, other["hist"][-1][2] - ay) <= settings["owner_distance"]
        ):
            return
    zone = next((z for z in run.config.zones if point_in_polygon(point.anchor, z.polygon)), None)
    _once(
        run,
        track,
        A.ABANDONED_OBJECT,
        A.ABANDONED_OBJECT,
        point,
        zone_id=zone.id if zone else None,
        severity=(zone.settings if zone else settings).severity_of(A.ABANDONED_OBJECT),
        details={
            "object": point.label,
            "stationary_seconds": round(now - still[1], 1),
            "location": xy(point.anchor),
            **({"zone_name": zone.name} if zone else {}),
        },
    )


def observe_crowds(run: CameraAnalysis, point: TrackPoint) -> None:
    """After each instant: people per zone and in the whole frame against `crowd_count`."""
    now = point.timestamp.timestamp()
    people = list(run.active_tracks(now, PERSON))
    places: list[tuple[str, ZoneConfig | None, list]] = [("frame", None, people)]
    for zone in run.config.zones:
        inside = [(tid, t) for tid, t in people if t["zones"].get(str(zone.id), {}).get("in")]
        places.append((str(zone.id), zone, inside))
    crowds = run.camera.setdefault("crowd", {})
    for key, zone, members in places:
        settings = zone.settings if zone else run.config.settings
        state = crowds.get(key)
        if len(members) >= settings["crowd_count"]:
            if state is None:
                state = crowds[key] = {"since": now, "mark": None, "max": 0, "low": 0}
                run.dirty.add(CAMERA_KEY)
            state["low"], state["max"] = 0, max(state["max"], len(members))
            if state["mark"] is None and now - state["since"] >= settings["crowd_s"]:
                xs = [t["hist"][-1][1] for _, t in members]
                ys = [t["hist"][-1][2] for _, t in members]
                state["mark"] = run.report(
                    "crowding",
                    point,
                    zone_id=zone.id if zone else None,
                    severity=settings.severity_of("crowding"),
                    details={
                        "person_count": len(members),
                        "cluster_center": xy((sum(xs) / len(xs), sum(ys) / len(ys))),
                        **({"zone_name": zone.name} if zone else {}),
                    },
                ) or {"id": None}
            run.dirty.add(CAMERA_KEY)
        elif state is not None:
            state["low"] += 1
            if state["low"] >= settings["inertia_points"]:
                run.update(
                    state["mark"],
                    {"ended": True, "duration_seconds": round(now - state["since"], 1), "max_count": state["max"]},
                )
                del crowds[key]
            run.dirty.add(CAMERA_KEY)
