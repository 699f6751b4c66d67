"""Webhook signatures: HMAC-SHA256 over "<unix timestamp>.<raw body>", Stripe-style.

The timestamp is inside the signed bytes, so a captured request can't be replayed later with a
fresh timestamp; receivers refuse timestamps outside the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import time

DEFAULT_TOLERANCE_SECONDS = 300


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign(secret: str, body: bytes, now: float | None = None) -> tuple[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return timestamp, signature_for(secret, timestamp, body)


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when the signature matches and the timestamp is recent (replay protection)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(signature_for(secret, timestamp, body), signature or "")
