"""Message templates with the seed's `{{placeholder}}` syntax, rendered safely.

Only whitelisted names are substituted, in one pass, with plain strings: no attribute access,
no filters, no template engine, and a value that itself contains `{{...}}` is never expanded,
so an attacker-controlled person or camera name cannot inject template code. Channels send
plain text (Telegram without parse_mode), so no markup is interpreted either.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError

PLACEHOLDERS = {
    "alert_type": "type of the alert, e.g. person_recognized",
    "message": "the alert's message",
    "timestamp": "time of the latest occurrence, in the site's timezone",
    "camera_name": "camera name",
    "location": "camera location (else the site name)",
    "site_name": "site name",
    "confidence": "confidence in percent, e.g. 87.5",
    "severity": "low, medium, high or critical",
    "person_name": "recognised person (or unknown-face cluster label)",
    "count": "how many occurrences folded into the alert",
    "status": "alert status",
    "escalation_level": "0 unless escalated",
    "alert_id": "the alert's id",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def validate_template(template) -> None:
    if not isinstance(template, str):
        raise ValidationError("A template must be text.")
    unknown = sorted({name for name in _PLACEHOLDER.findall(template) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            f"Unknown placeholder(s): {', '.join(unknown)}. Available: {', '.join(sorted(PLACEHOLDERS))}."
        )


def render(template: str, context: dict[str, str]) -> str:
    """Substitute known placeholders; an unknown one renders as empty text."""
    return _PLACEHOLDER.sub(lambda m: context.get(m.group(1), "") if m.group(1) in PLACEHOLDERS else "", template)


def alert_context(alert) -> dict[str, str]:
    """The placeholder values of an alert (camera, site, person loaded by the caller or lazily)."""
    from alerts.services.schedules import zone

    camera = alert.camera
    site = camera.dvr.site
    moment = alert.last_seen or alert.created_at
    try:
        local = moment.astimezone(zone(site.timezone))
    except Exception:  # noqa: BLE001 - a broken site timezone must not stop a notification
        local = moment
    confidence = alert.confidence
    subject = alert.person.name if alert.person_id and alert.person else None
    if subject is None and alert.cluster_id and alert.cluster:
        subject = alert.cluster.cluster_label
    return {
        "alert_type": alert.alert_type,
        "message": alert.message,
        "timestamp": local.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
        "camera_name": camera.name,
        "location": camera.location or site.name,
        "site_name": site.name,
        "confidence": "" if confidence is None else f"{Decimal(confidence) * 100:.1f}",
        "severity": alert.severity,
        "person_name": subject or "",
        "count": str(alert.occurrences),
        "status": alert.status,
        "escalation_level": str(alert.escalation_level),
        "alert_id": str(alert.id),
    }
