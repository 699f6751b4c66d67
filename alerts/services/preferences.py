"""Operators' say over their personal channels (seed 000 user_preferences): on/off per channel
type and per alert type, and personal quiet hours in their own timezone. A personal channel
also never carries an alert from a site its owner may not see."""

from __future__ import annotations

import datetime as dt

from alerts.models import ChannelType, NotificationPreference
from alerts.services.schedules import time_window, zone

CHANNEL_TOGGLES = {
    ChannelType.EMAIL: "email_enabled",
    ChannelType.TELEGRAM: "telegram_enabled",
    ChannelType.WHATSAPP: "whatsapp_enabled",
}


def preference_for(user) -> NotificationPreference:
    """The user's preferences; unsaved defaults when they never set any."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def in_quiet_hours(preference: NotificationPreference, now: dt.datetime) -> bool:
    if not (preference.quiet_hours_enabled and preference.quiet_hours_start and preference.quiet_hours_end):
        return False
    local = now.astimezone(zone(preference.timezone or "UTC"))
    return time_window(preference.quiet_hours_start, preference.quiet_hours_end).contains(local)


def personal_block_reason(channel, alert, now: dt.datetime) -> str | None:
    """Why the owner of a personal channel must not get this alert now; None when they should."""
    from accounts import policy

    owner = channel.owner
    if owner is None:
        return None
    if not owner.is_active:
        return "the channel's owner is deactivated"
    if alert is not None:
        if not policy.can(owner, "alerts", "read"):
            return "the channel's owner may not read alerts"
        sites = policy.site_ids_for(owner)
        site_id = alert.camera.dvr.site_id
        if sites is not None and site_id not in sites:
            return "the channel's owner has no access to this alert's site"
    preference = preference_for(owner)
    if not preference.notifications_enabled:
        return "the owner turned notifications off"
    toggle = CHANNEL_TOGGLES.get(channel.channel_type)
    if toggle and not getattr(preference, toggle):
        return f"the owner turned {channel.get_channel_type_display()} notifications off"
    if alert is not None and (preference.event_types or {}).get(alert.alert_type) is False:
        return f"the owner turned off {alert.alert_type} notifications"
    if in_quiet_hours(preference, now):
        start, end = preference.quiet_hours_start, preference.quiet_hours_end
        return f"the owner's quiet hours ({start:%H:%M}–{end:%H:%M} {preference.timezone})"
    return None
