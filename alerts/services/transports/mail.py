"""E-mail through Django's mail backend (EMAIL_* settings), the snapshot attached."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from alerts.services.templates import render
from alerts.services.transports import OutgoingMessage, SendResult


def recipients(channel, config) -> list[str]:
    if config.recipients:
        return list(config.recipients)
    owner = channel.owner
    return [owner.email] if owner is not None and owner.email else []


def send(channel, message: OutgoingMessage, timeout: float, detail: dict) -> SendResult:
    config = getattr(channel, "email", None)
    if config is None:
        return SendResult(False, error="the channel has no e-mail configuration")
    to = recipients(channel, config)
    if not to:
        return SendResult(False, error="no recipients")
    # One line, whatever the names inside: a header can't be split by injected newlines.
    subject = " ".join(render(config.subject_template, message.payload["context"]).split())[:200]
    mail = EmailMessage(
        subject=subject or message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        connection=get_connection(timeout=timeout),
        headers={"X-Orin-Delivery": message.delivery_id},
    )
    if config.attach_snapshot and message.snapshot is not None:
        mail.attach(message.snapshot.name, message.snapshot.content, message.snapshot.mimetype)
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        return SendResult(False, error=f"recipients refused: {', '.join(exc.recipients)}")
    except smtplib.SMTPResponseException as exc:
        return SendResult(
            False, exc.smtp_code, error=f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=exc.smtp_code < 500
        )
    except (smtplib.SMTPException, OSError) as exc:
        return SendResult(False, error=f"{type(exc).__name__}: {exc}", retryable=True)
    return SendResult(True, 250, detail={"delivered_to": to})
