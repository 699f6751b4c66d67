"""Sign-in lockout (django-axes: AXES_FAILURE_LIMIT failures lock the username, and separately
the client IP, for AXES_COOLOFF_TIME). Unlocking is an audited administrator action."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset

from accounts.services.audit import record_access


def is_locked_out(request, credentials: dict | None = None) -> bool:
    return AxesProxyHandler.is_locked(request, credentials)


def unlock_users(users, request=None) -> int:
    """Clear the failed attempts of each user's name; returns how many users were unlocked."""
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


def unlock_ip(ip_address: str, request=None) -> int:
    """Clear the failed attempts from one address; returns how many attempt records went."""
    removed = reset(ip=ip_address)
    record_access(getattr(request, "user", None), "login_unlock", "ip", request=request, ip=ip_address)
    return removed
