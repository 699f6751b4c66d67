"""Sign-in lockout that protects without locking a whole office out.

- A (username, address) pair is locked after AXES_FAILURE_LIMIT failures (django-axes): a
  stranger's guesses from a shared NAT address never lock a colleague who types correctly there.
- A username is locked after ORIN_LOGIN_USER_FAILURE_LIMIT failures summed over every address
  (a distributed guess at one account); an administrator unlocks it, audited.
- An address with many failures across usernames is slowed down, not refused.

django-axes counts one limit over its parameter sets; the per-user sum and the per-address delay
are the two rules it has no setting for.
"""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from accounts.services.audit import record_access


def _recent(**filters):
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(attempt_time__gte=since, **filters)


def user_failures(username: str) -> int:
    """Failures for one username over every address within the cool-off window."""
    if not username:
        return 0
    return _recent(username=username).aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_failures(ip_address: str) -> int:
    if not ip_address:
        return 0
    return _recent(ip_address=ip_address).aggregate(total=Sum("failures_since_start"))["total"] or 0


def user_locked(username: str) -> bool:
    return user_failures(username) >= settings.ORIN_LOGIN_USER_FAILURE_LIMIT


def address_delay(ip_address: str) -> float:
    """Seconds to wait before checking a password from a noisy address (grows, capped)."""
    excess = address_failures(ip_address) - settings.ORIN_LOGIN_IP_SLOW_AFTER
    if excess < 0:
        return 0.0
    return min(settings.ORIN_LOGIN_IP_MAX_DELAY, 0.25 * (excess + 1))


def refuse_locked_user(request, credentials: dict) -> bool:
    """Called before a password is checked: slows a noisy address down, and marks the request
    locked out (AxesMiddleware answers 429) when the username is locked. True when refused."""
    username = get_client_username(request, credentials) if request is not None else credentials.get("username")
    ip_address = get_client_ip_address(request) if request is not None else ""
    delay = address_delay(ip_address)
    if delay:
        time.sleep(delay)
    if not user_locked(str(username or "")):
        return False
    if request is not None:
        request.axes_locked_out = True
        request.axes_credentials = credentials
    record_access(None, "login_locked_out", "user", request=request, username=str(username)[:150], scope="user")
    return True


def unlock_users(users, request=None) -> int:
    """Clear every failed attempt of each user's name (all addresses); returns how many users."""
    count = 0
    for user in users:
        reset(username=user.get_username())
        record_access(
            getattr(request, "user", None),
            "login_unlock",
            "user",
            user.pk,
            request=request,
            username=user.get_username(),
        )
        count += 1
    return count
