"""Webhooks: a JSON POST signed with HMAC-SHA256 over "<timestamp>.<body>".

Headers: X-Orin-Timestamp (unix seconds), X-Orin-Signature ("sha256=<hex>"), X-Orin-Delivery
(the delivery id, stable across retries so a receiver can drop duplicates). Receivers verify
with `alerts.services.signing.verify_signature`, which also refuses stale timestamps (replay).
"""

from __future__ import annotations

import json

from alerts.services.signing import sign
from alerts.services.transports import OutgoingMessage, SendResult
from alerts.services.transports.http import post


def send(channel, message: OutgoingMessage, timeout: float, detail: dict) -> SendResult:
    config = getattr(channel, "webhook", None)
    if config is None:
        return SendResult(False, error="the channel has no webhook configuration")
    payload = {key: value for key, value in message.payload.items() if key != "context"}
    body = json.dumps({**payload, "text": message.text}, separators=(",", ":"), sort_keys=True).encode()
    secret = config.secret
    timestamp, signature = sign(secret, body)
    headers = {
        "Content-Type": "application/json",
        "X-Orin-Timestamp": timestamp,
        "X-Orin-Signature": signature,
        "X-Orin-Delivery": message.delivery_id,
    }
    return post(config.url, timeout, [secret], data=body, headers=headers)
