"""Incident lifecycle: every change of an incident goes through here.

new → assigned → en route → on scene → resolved → closed (seed 003), cancelled from any open
state, and a resolved incident may be reopened (back to assigned). Each change locks the
incident, writes an `IncidentTransition` where the status moves, adds a timeline message and
pushes it to the incident's viewers after commit (`incidents.live`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from accounts import policy
from alerts.models import Alert
from incidents import live
from incidents.models import (
    OPEN_STATUSES,
    Incident,
    IncidentAlert,
    IncidentMessage,
    IncidentSOPStep,
    IncidentStatus,
    IncidentTransition,
    IncidentType,
    MessageKind,
    SLAPolicy,
)

S = IncidentStatus
ALLOWED = {
    S.NEW: {S.ASSIGNED, S.EN_ROUTE, S.ON_SCENE, S.RESOLVED, S.CANCELLED},
    S.ASSIGNED: {S.EN_ROUTE, S.ON_SCENE, S.RESOLVED, S.CANCELLED},
    S.EN_ROUTE: {S.ON_SCENE, S.RESOLVED, S.CANCELLED},
    S.ON_SCENE: {S.RESOLVED, S.CANCELLED},
    S.RESOLVED: {S.CLOSED, S.ASSIGNED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}
# The matrix action each target status needs (closing and cancelling are the supervisor's).
STATUS_ACTION = {S.CLOSED: "close", S.CANCELLED: "close", S.ASSIGNED: "assign"}
SEVERITY_PRIORITY = {"critical": 1, "high": 2, "medium": 3, "low": 4}
TITLE_MAX = 200
TEXT_MAX = 5000
MAX_ALERTS = 500


class IncidentError(Exception):
    """A refused change; `code` is "invalid" (bad input), "conflict" (the incident's state
    refuses it) or "forbidden" (the user may not)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def next_number(now: dt.datetime | None = None) -> str:
    """INC-YYYY-NNNNN, from one atomic upsert per year (no gaps under concurrency but rollbacks)."""
    year = (now or timezone.now()).year
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incident_sequences (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = incident_sequences.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"INC-{year}-{last:05d}"


def sees_site(user, site_id) -> bool:
    sites = policy.site_ids_for(user)
    return sites is None or site_id in sites


def _require(user, action: str, site_ids: Iterable = ()) -> None:
    if user is None:  # the system (policies, SLA checks)
        return
    if not policy.can(user, "incidents", action):
        raise IncidentError(f"your role does not allow incidents.{action}", "forbidden")
    if any(not sees_site(user, site_id) for site_id in site_ids):
        raise IncidentError("not every site involved is yours", "forbidden")


def _clean_text(value: str, name: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise IncidentError(f"the {name} must not be empty")
    if len(value) > limit:
        raise IncidentError(f"the {name} is too long ({len(value)} characters, at most {limit})")
    return value


def post_message(incident: Incident, kind: str, body: str, author=None, data: dict | None = None) -> IncidentMessage:
    """Add an entry to the timeline; its viewers receive it once the transaction commits."""
    message = IncidentMessage.objects.create(
        incident=incident, kind=kind, author=author, body=body, data=data or {}, created_at=timezone.now()
    )
    live.publish_after_commit(message)
    return message


def _sla_due(priority: int, start: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    sla = SLAPolicy.objects.filter(priority=priority).first()
    if sla is None:
        return None, None
    return start + dt.timedelta(minutes=sla.acknowledge_minutes), start + dt.timedelta(minutes=sla.resolve_minutes)


def _load_alerts(user, alert_ids: Iterable) -> list[Alert]:
    ids = list(dict.fromkeys(str(a) for a in alert_ids))
    if len(ids) > MAX_ALERTS:
        raise IncidentError(f"at most {MAX_ALERTS} alerts at a time")
    queryset = Alert.objects.all() if user is None else Alert.objects.restrict(user, "read")
    alerts = list(queryset.select_for_update(of=("self",)).select_related("camera__dvr").filter(id__in=ids))
    found = {str(a.pk) for a in alerts}
    unknown = [a for a in ids if a not in found]
    if unknown:
        raise IncidentError(f"unknown alert(s): {', '.join(unknown[:10])}")
    taken = dict(IncidentAlert.objects.filter(alert_id__in=found).values_list("alert_id", "incident__number"))
    if taken:
        listed = ", ".join(f"{str(a)[:8]} (in {n})" for a, n in list(taken.items())[:10])
        raise IncidentError(f"alert(s) already in an incident: {listed}", "conflict")
    return sorted(alerts, key=lambda a: a.created_at)


def _check_sites(alerts: list[Alert], site_id, multi_site: bool) -> None:
    others = {a.camera.dvr.site_id for a in alerts} - {site_id}
    if others and not multi_site:
        raise IncidentError("the alerts come from several sites; mark the incident multi-site to group them")


def open_incident(
    *,
    user,
    title: str,
    site=None,
    alert_ids: Iterable = (),
    description: str = "",
    incident_type: IncidentType | None = None,
    priority: int | None = None,
    camera=None,
    zone=None,
    multi_site: bool = False,
    opened_by_policy=None,
) -> Incident:
    """Open an incident (user None: the system), from alerts or by hand. Nothing is written if
    any alert is unknown, already in an incident, or from a site the incident does not cover."""
    title = _clean_text(title, "title", TITLE_MAX, required=True)
    description = _clean_text(description, "description", TEXT_MAX)
    if priority is not None and not 1 <= int(priority) <= 5:
        raise IncidentError("the priority must be between 1 and 5")
    with transaction.atomic():
        alerts = _load_alerts(user, alert_ids)
        if site is None and not alerts:
            raise IncidentError("an incident needs a site or at least one alert")
        site_id = getattr(site, "pk", site) or alerts[0].camera.dvr.site_id
        _check_sites(alerts, site_id, multi_site)
        site_ids = {site_id, *(a.camera.dvr.site_id for a in alerts)}
        _require(user, "write", site_ids)
        if camera is None and alerts and len({a.camera_id for a in alerts}) == 1:
            camera = alerts[0].camera
        if priority is None:
            ranks = [SEVERITY_PRIORITY.get(a.severity, 3) for a in alerts]
            priority = min(ranks) if ranks else (incident_type.default_priority if incident_type else 3)
        now = timezone.now()
        ack_due, resolve_due = _sla_due(int(priority), now)
        incident = Incident.objects.create(
            number=next_number(now),
            title=title,
            description=description,
            incident_type=incident_type,
            category=incident_type.category if incident_type else "",
            priority=int(priority),
            site_id=site_id,
            camera=camera,
            zone=zone,
            multi_site=multi_site,
            reported_by=user,
            opened_by_policy=opened_by_policy,
            created_at=now,
            acknowledge_due_at=ack_due,
            resolve_due_at=resolve_due,
        )
        if incident_type is not None:
            IncidentSOPStep.objects.bulk_create(
                IncidentSOPStep(incident=incident, position=i, text=str(step)[:300])
                for i, step in enumerate(incident_type.sop_steps or [], start=1)
            )
        who = "the system" + (f" (policy “{opened_by_policy.name}”)" if opened_by_policy else "")
        post_message(
            incident,
            MessageKind.STATUS,
            f"Opened by {user.get_username() if user else who}",
            user,
            {"to": S.NEW},
        )
        if alerts:
            _link_alerts(incident, alerts, user)
    return incident


def _link_alerts(incident: Incident, alerts: list[Alert], user) -> None:
    IncidentAlert.objects.bulk_create(IncidentAlert(incident=incident, alert=a, added_by=user) for a in alerts)
    post_message(
        incident,
        MessageKind.ALERTS,
        f"{len(alerts)} alert(s) attached: " + "; ".join(f"{a.severity} {a.alert_type}" for a in alerts[:5]),
        user,
        {"alerts": [str(a.pk) for a in alerts]},
    )


def _locked(incident: Incident, user, action: str) -> Incident:
    """The incident, locked, after the role and site checks (multi-site: the alerts' sites too)."""
    locked = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    sites = {locked.site_id}
    if locked.multi_site:
        sites |= set(locked.alerts.values_list("camera__dvr__site_id", flat=True))
    _require(user, action, sites)
    return locked


def attach_alerts(incident: Incident, alert_ids: Iterable, user) -> Incident:
    with transaction.atomic():
        locked = _locked(incident, user, "write")
        if locked.status not in OPEN_STATUSES:
            raise IncidentError(f"the incident is {locked.get_status_display().lower()}", "conflict")
        alerts = _load_alerts(user, alert_ids)
        if not alerts:
            raise IncidentError("select at least one alert")
        _check_sites(alerts, locked.site_id, locked.multi_site)
        _require(user, "write", {a.camera.dvr.site_id for a in alerts})
        _link_alerts(locked, alerts, user)
    return locked


def _refusal(incident: Incident, target: str) -> str:
    current, wanted = incident.get_status_display().lower(), S(target).label.lower()
    if incident.status == target:
        return f"the incident is already {current}"
    if target == S.CLOSED:
        return f"the incident is {current}; resolve it before closing it"
    if incident.status in (S.CLOSED, S.CANCELLED):
        return f"the incident is {current}; it cannot become {wanted}"
    return f"the incident is {current}; it cannot become {wanted}"


def change_status(incident: Incident, target: str, user, note: str = "", assignee=None) -> Incident:
    if target not in S.values:
        raise IncidentError(f"unknown status {target!r}")
    note = _clean_text(note, "note", TEXT_MAX)
    with transaction.atomic():
        locked = _locked(incident, user, STATUS_ACTION.get(target, "write"))
        if target not in ALLOWED[locked.status]:
            raise IncidentError(_refusal(locked, target), "conflict")
        if target == S.ASSIGNED and assignee is None and locked.assigned_to_id is None:
            raise IncidentError("name the user it is assigned to")
        now = timezone.now()
        previous = locked.status
        locked.status = target
        if previous == S.NEW:
            locked.acknowledged_at = now
        if target == S.RESOLVED:
            locked.resolved_at, locked.outcome = now, note or locked.outcome
        elif target in (S.CLOSED, S.CANCELLED):
            locked.closed_at = now
        elif previous == S.RESOLVED:  # reopened
            locked.resolved_at = None
        locked.save()
        IncidentTransition.objects.create(
            incident=locked, from_status=previous, to_status=target, user=user, note=note, created_at=now
        )
        body = f"{S(previous).label} → {S(target).label}" + (f": {note}" if note else "")
        post_message(locked, MessageKind.STATUS, body, user, {"from": previous, "to": target})
        if assignee is not None:
            _assign(locked, assignee, user)
    return locked


def _assign(incident: Incident, assignee, user) -> None:
    if not (assignee.is_active and policy.can(assignee, "incidents", "read") and sees_site(assignee, incident.site_id)):
        raise IncidentError(f"{assignee.get_username()} has no access to incidents of this site")
    incident.assigned_to = assignee
    incident.save(update_fields=["assigned_to", "updated_at"])
    post_message(
        incident,
        MessageKind.ASSIGNMENT,
        f"Assigned to {assignee.get_username()}",
        user,
        {"assignee": str(assignee.pk)},
    )


def assign_incident(incident: Incident, assignee, user, note: str = "") -> Incident:
    """Give the incident an owner; a new incident becomes assigned."""
    if incident.status == S.NEW:
        return change_status(incident, S.ASSIGNED, user, note, assignee=assignee)
    with transaction.atomic():
        locked = _locked(incident, user, "assign")
        if locked.status not in OPEN_STATUSES:
            raise IncidentError(f"the incident is {locked.get_status_display().lower()}", "conflict")
        _assign(locked, assignee, user)
    return locked


def add_comment(incident: Incident, user, body: str) -> IncidentMessage:
    body = _clean_text(body, "comment", TEXT_MAX, required=True)
    with transaction.atomic():
        locked = _locked(incident, user, "write")
        return post_message(locked, MessageKind.COMMENT, body, user)


def update_details(incident: Incident, user, **changes) -> Incident:
    """Title, description, priority or type; the timeline says what changed."""
    with transaction.atomic():
        locked = _locked(incident, user, "write")
        said = []
        if "title" in changes:
            locked.title = _clean_text(changes["title"], "title", TITLE_MAX, required=True)
            said.append(f"title “{locked.title}”")
        if "description" in changes:
            locked.description = _clean_text(changes["description"], "description", TEXT_MAX)
            said.append("description")
        if "priority" in changes and changes["priority"] != locked.priority:
            priority = int(changes["priority"])
            if not 1 <= priority <= 5:
                raise IncidentError("the priority must be between 1 and 5")
            locked.priority = priority
            locked.acknowledge_due_at, locked.resolve_due_at = _sla_due(priority, locked.created_at)
            said.append(f"priority P{priority}")
        if not said:
            return locked
        locked.save()
        post_message(locked, MessageKind.UPDATE, "Changed " + ", ".join(said), user)
    return locked


def tick_sop_step(incident: Incident, step_id, user, done: bool = True) -> IncidentSOPStep:
    with transaction.atomic():
        locked = _locked(incident, user, "write")
        step = IncidentSOPStep.objects.select_for_update().filter(incident=locked, pk=step_id).first()
        if step is None:
            raise IncidentError("no such SOP step on this incident")
        if bool(step.done_at) == done:
            return step
        step.done_by, step.done_at = (user, timezone.now()) if done else (None, None)
        step.save()
        verb = "done" if done else "not done"
        post_message(
            locked,
            MessageKind.SOP,
            f"SOP step {step.position} {verb}: {step.text}",
            user,
            {"step": str(step.pk), "done": done},
        )
    return step


def link_incidents(incident: Incident, other: Incident, user, as_parent: bool = False) -> Incident:
    """Link two incidents (both must be the user's), or make `other` this one's parent."""
    if other.pk == incident.pk:
        raise IncidentError("an incident cannot be linked to itself")
    with transaction.atomic():
        locked = _locked(incident, user, "write")
        _locked(other, user, "write")
        if as_parent:
            ancestor_id = other.pk
            while ancestor_id is not None:
                if ancestor_id == locked.pk:
                    raise IncidentError("that would make the incident its own ancestor")
                ancestor_id = Incident.objects.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()
            locked.parent = other
            locked.save(update_fields=["parent", "updated_at"])
            body = f"Parent incident: {other.number}"
        else:
            locked.linked.add(other)
            body = f"Linked with {other.number}"
        post_message(locked, MessageKind.LINK, body, user, {"incident": str(other.pk), "parent": as_parent})
    return locked
