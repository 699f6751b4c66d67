"""Device API keys: issue (shown once), verify, scope, revoke.

Keys are 256-bit random tokens, so a plain SHA-256 is the right hash (no need for a slow KDF,
and verification stays cheap at 100 requests/s per site).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import APIKey

KEY_PREFIX = "orin"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # don't write a row on every request


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def issue_api_key(user, name: str, *, sites=(), cameras=(), expires_at=None) -> tuple[APIKey, str]:
    """Create a key; returns the row and the raw key, which is never stored or shown again."""
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        api_key = APIKey.objects.create(
            user=user, name=name, prefix=prefix, key_hash=_hash(raw_key), expires_at=expires_at
        )
        api_key.sites.set(sites)
        api_key.cameras.set(cameras)
    return api_key, raw_key


def verify_api_key(raw_key: str, ip: str | None = None) -> APIKey | None:
    parts = raw_key.strip().split("_", 2)  # the secret part may itself contain "_"
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    api_key = APIKey.objects.active().select_related("user", "user__role").filter(prefix=parts[1]).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(raw_key.strip())):
        return None
    if not api_key.user.is_active:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        APIKey.objects.filter(pk=api_key.pk).update(last_used_at=now, last_used_ip=ip)
        api_key.last_used_at, api_key.last_used_ip = now, ip
    return api_key


def revoke_api_key(api_key: APIKey) -> None:
    APIKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
