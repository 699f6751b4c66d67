"""Rule evaluation: which active rules an event matches, and the alerts that follow.

Rules are loaded once per batch, so a 10,000-event batch costs a handful of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from alerts.models import Alert, AlertRule
from surveillance.models import Severity

STATUS_SEVERITY = {"blacklisted": Severity.CRITICAL, "vip": Severity.MEDIUM}


def rule_matches(rule: AlertRule, event) -> bool:
    return (
        (rule.camera_id is None or rule.camera_id == event.camera_id)
        and (rule.event_type is None or rule.event_type == event.event_type)
        and (rule.person_id is None or rule.person_id == event.person_id)
        and Decimal(str(event.confidence)) >= rule.confidence_threshold
    )


def alert_severity(rule: AlertRule, person) -> str:
    """The seed trigger's order: the rule's own severity, else the person's status decides."""
    if rule.severity:
        return rule.severity
    return STATUS_SEVERITY.get(getattr(person, "status", None), Severity.LOW)


def alert_message(event, camera_name: str, person_name: str | None) -> str:
    return f'{person_name or "Unknown person"} detected on camera "{camera_name}" at {event.timestamp.isoformat()}'


def evaluate_events(events: Sequence) -> list[Alert]:
    """Create the alerts for a batch of stored events; returns them."""
    from faces.models import Person
    from surveillance.models import Camera

    rules = list(AlertRule.objects.filter(is_active=True))
    if not rules or not events:
        return []
    camera_names = dict(Camera.objects.filter(id__in={e.camera_id for e in events}).values_list("id", "name"))
    person_ids = {e.person_id for e in events if e.person_id}
    persons = {p.id: p for p in Person.objects.filter(id__in=person_ids)} if person_ids else {}
    alerts = []
    for event in events:
        for rule in rules:
            if not rule_matches(rule, event):
                continue
            person = persons.get(event.person_id)
            alerts.append(
                Alert(
                    event_id=event.id,
                    alert_rule=rule,
                    person_id=event.person_id,
                    camera_id=event.camera_id,
                    alert_type=event.event_type,
                    severity=alert_severity(rule, person),
                    message=alert_message(event, camera_names.get(event.camera_id, "?"), getattr(person, "name", None)),
                )
            )
    return Alert.objects.bulk_create(alerts, batch_size=2000)
