"""Account lifecycle rules that are not about sign-in itself."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import User


def deactivate_stale_accounts(now: dt.datetime | None = None) -> int:
    """Switch off accounts nobody has signed in to for ORIN_STALE_ACCOUNT_DAYS (seed 004: last_login
    exists for stale-account detection). Accounts never used count from when they were created."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.ORIN_STALE_ACCOUNT_DAYS)
    stale = (
        User.objects.filter(is_active=True, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(api_keys__last_used_at__gte=cutoff)  # devices sign in with keys, not passwords
    )
    return User.objects.filter(pk__in=stale.values("pk")).update(is_active=False)
