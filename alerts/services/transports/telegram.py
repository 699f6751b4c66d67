"""Telegram Bot API: `sendPhoto` with the snapshot as caption carrier, else `sendMessage`.

Plain text only (no parse_mode), so names in a message can't inject Markdown or HTML.
"""

from __future__ import annotations

from django.conf import settings

from alerts.services.transports import OutgoingMessage, SendResult
from alerts.services.transports.http import post

CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096


def send(channel, message: OutgoingMessage, timeout: float, detail: dict) -> SendResult:
    config = getattr(channel, "telegram", None)
    if config is None:
        return SendResult(False, error="the channel has no Telegram configuration")
    token = config.bot_token
    base = f"{settings.ORIN_TELEGRAM_API_BASE.rstrip('/')}/bot{token}"
    if message.snapshot is not None:
        snapshot = message.snapshot
        return post(
            f"{base}/sendPhoto",
            timeout,
            [token],
            data={"chat_id": config.chat_id, "caption": message.text[:CAPTION_LIMIT]},
            files={"photo": (snapshot.name, snapshot.content, snapshot.mimetype)},
        )
    return post(
        f"{base}/sendMessage",
        timeout,
        [token],
        json={"chat_id": config.chat_id, "text": message.text[:MESSAGE_LIMIT], "disable_web_page_preview": True},
    )
