"""Sending one notification over one channel type. Each transport returns a `SendResult` and
never raises for the provider's or the network's failures; secrets never appear in errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.models import ChannelType


@dataclass(slots=True)
class Snapshot:
    name: str
    content: bytes
    mimetype: str


@dataclass(slots=True)
class OutgoingMessage:
    text: str
    subject: str
    payload: dict
    snapshot: Snapshot | None
    delivery_id: str


@dataclass(slots=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    retryable: bool = False
    detail: dict = field(default_factory=dict)


def send(channel, message: OutgoingMessage, timeout: float, detail: dict) -> SendResult:
    """Deliver `message` on `channel`; `detail` holds what earlier attempts already achieved."""
    from alerts.services.transports import mail, telegram, webhook, whatsapp

    senders = {
        ChannelType.TELEGRAM: telegram.send,
        ChannelType.WHATSAPP: whatsapp.send,
        ChannelType.EMAIL: mail.send,
        ChannelType.WEBHOOK: webhook.send,
    }
    sender = senders.get(channel.channel_type)
    if sender is None:
        return SendResult(False, error=f"unknown channel type {channel.channel_type!r}")
    return sender(channel, message, timeout, detail)
