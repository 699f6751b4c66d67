"""API sign-in sessions: a JWT refresh-token chain (seed 002: 1 h access, 30 d refresh rotated
on every use, the used one blacklisted, sign-out revokes).

Every token of one sign-in carries the same session id claim (`sid`, the first refresh token's
jti), copied by simplejwt into each rotated refresh token and each access token. Signing out
blacklists the refresh token and marks the session revoked in Redis for the lifetime of an
access token, so already-issued access tokens stop working at once rather than within the hour.
"""

from __future__ import annotations

import redis
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, TokenError

from orin import degraded

SESSION_CLAIM = "sid"
_REVOKED_KEY = "jwt:revoked:{}"


class SessionError(ValueError):
    """A refresh token that is invalid, expired, already revoked or someone else's."""


def start_session(user) -> RefreshToken:
    """A new refresh token (recorded as outstanding) opening a new session."""
    refresh = RefreshToken.for_user(user)
    refresh[SESSION_CLAIM] = refresh[api_settings.JTI_CLAIM]
    return refresh


def active_sessions(user) -> QuerySet[OutstandingToken]:
    """The user's live sessions: one unexpired, unrevoked refresh token per sign-in (rotation
    blacklists the previous token of a chain, so only the newest one is left)."""
    return OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).order_by("-created_at")


def session_id_of(outstanding: OutstandingToken) -> str:
    """The session an outstanding refresh token belongs to. The first token of a chain is stored
    before the claim is added, and its jti is the session id."""
    payload = RefreshToken(outstanding.token, verify=False).payload
    return str(payload.get(SESSION_CLAIM) or outstanding.jti)


def _mark_revoked(session_id: str) -> None:
    ttl = int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 60
    try:
        cache.set(_REVOKED_KEY.format(session_id), 1, timeout=ttl)
    except (redis.RedisError, OSError) as exc:  # the blacklisted refresh token still ends the chain
        degraded.note("session_revocation", exc)


def is_session_revoked(session_id: str) -> bool:
    """Redis away: the refresh token is still blacklisted in the database (no new access tokens),
    and access tokens already issued live out their lifetime, as with stock simplejwt."""
    try:
        return bool(cache.get(_REVOKED_KEY.format(session_id)))
    except (redis.RedisError, OSError) as exc:
        degraded.note("session_revocation", exc)
        return False


def revoke_session(outstanding: OutstandingToken) -> None:
    """Sign one session out everywhere: its refresh token and its access tokens."""
    with transaction.atomic():
        BlacklistedToken.objects.get_or_create(token=outstanding)
    _mark_revoked(session_id_of(outstanding))


def end_session(raw_refresh: str) -> str:
    """Sign-out with the session's refresh token; returns the user id. Raises SessionError for a
    token that is not a live refresh token."""
    try:
        refresh = RefreshToken(raw_refresh)
    except TokenError as exc:
        raise SessionError(str(exc)) from exc
    refresh.blacklist()
    _mark_revoked(str(refresh.get(SESSION_CLAIM) or refresh[api_settings.JTI_CLAIM]))
    return str(refresh.get(api_settings.USER_ID_CLAIM))


def revoke_all_sessions(user) -> int:
    """Sign the user out of every API session; returns how many were open."""
    sessions = list(active_sessions(user))
    for outstanding in sessions:
        revoke_session(outstanding)
    return len(sessions)
