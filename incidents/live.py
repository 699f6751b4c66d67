"""Live timeline: every viewer of an incident joins its group (`incident.<id>`) after the
consumer checked, with `Incident.objects.restrict`, that the user may read it; a new timeline
message is sent there only after its transaction commits."""

from __future__ import annotations

from django.db import transaction


def incident_group(incident_id) -> str:
    return f"incident.{incident_id}"


def message_card(message) -> dict:
    from surveillance.services.localtime import local_time

    author = message.author
    return {
        "type": "message",
        "id": str(message.pk),
        "incident": str(message.incident_id),
        "kind": message.kind,
        "body": message.body,
        "data": message.data,
        "author": author.get_username() if author else "system",
        "created_at": message.created_at.isoformat(),
        "local_time": local_time(message.created_at, message.incident.site.timezone),
    }


def publish_after_commit(message) -> None:
    card = message_card(message)
    group = incident_group(message.incident_id)
    transaction.on_commit(lambda: _send(group, card))


def _send(group: str, card: dict) -> None:
    # orin.live's sender (type "console.push"): safe from sync and async code, never raises.
    from orin.live import _send as send_to_groups

    send_to_groups([(group, card)])
