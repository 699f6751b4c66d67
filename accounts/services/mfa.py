"""Second factor: TOTP (authenticator app) with single-use recovery codes, via django-otp.

Required for the roles in settings.ORIN_MFA_REQUIRED_ROLES (super_admin and admin) and for
Django superusers, in the admin/console (accounts.middleware.MFARequiredMiddleware) and for JWT
issuance (the obtain-token serializer calls `verify_login_otp`). Anyone else who enrolled a
device is held to it too.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device

from accounts.mfa_models import RecoveryCode, RecoveryCodeDevice, TOTPDevice, recovery_code_digest

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


class MFAError(ValueError):
    """An enrolment step failed; the message is for the user."""


def mfa_required(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    role = getattr(user, "role", None)
    return getattr(role, "name", None) in settings.ORIN_MFA_REQUIRED_ROLES


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_second_factor(user) -> bool:
    """Whether signing in as `user` takes a one-time code (required role, or enrolled anyway)."""
    return mfa_required(user) or has_confirmed_device(user)


def user_is_verified(user) -> bool:
    """True when this session's user passed a second factor (django-otp's OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def session_passes_mfa(user, session) -> bool:
    """For connections that skip the HTTP middleware (websockets): whether this session's user
    needs no second factor or has passed one (django-otp records the device in the session)."""
    if not needs_second_factor(user):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


def match_login_otp(user, code: str | None):
    """The confirmed device (TOTP, else recovery sheet) that accepts `code`, or None. Locked rows
    so two concurrent requests cannot both spend one code."""
    code = (code or "").strip()
    if not code or not getattr(user, "pk", None):
        return None
    with transaction.atomic():
        for model in (TOTPDevice, RecoveryCodeDevice):
            for device in model.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return device
    return None


def verify_login_otp(user, code: str | None) -> bool:
    """Whether a sign-in of `user` (password already checked) may proceed as far as the second
    factor goes: True if no code is needed, or `code` is a valid TOTP/recovery code. A user whose
    role requires MFA but who has not enrolled yet gets False (enrol in the console first)."""
    if not needs_second_factor(user):
        return True
    return match_login_otp(user, code) is not None


def start_totp_enrolment(user, name: str = "Authenticator app") -> TOTPDevice:
    """A new unconfirmed TOTP device (its key is shown once); older unconfirmed ones are dropped."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=name[:64], confirmed=False)


def confirm_totp_enrolment(device: TOTPDevice, code: str, request=None) -> list[str]:
    """Confirm the device with a first code from the app; replaces any previous TOTP device and
    returns a fresh sheet of recovery codes (shown once). Marks the session verified."""
    if device.confirmed:
        raise MFAError("this authenticator is already confirmed")
    if not device.verify_token(code):
        raise MFAError("that code is not valid; check the time on your phone and try the next code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        type(device.user).objects.filter(pk=device.user_id).update(mfa_enabled=True)
        codes = issue_recovery_codes(device.user)
    if request is not None:
        otp_login(request, device)
    return codes


def _recovery_code() -> str:
    """XXXXX-XXXXX from a 32-letter alphabet: 50 bits, typed once, throttled on failure."""
    return "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))


def issue_recovery_codes(user, count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """A new sheet of single-use codes (only digests are stored); the previous sheet stops working."""
    codes = [_recovery_code() for _ in range(count)]
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_digest(c)) for c in codes)
    return codes


def reset_mfa(user) -> None:
    """Remove every device (an administrator's action for a lost phone and lost codes); a user
    whose role requires MFA enrols again at the next sign-in."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        type(user).objects.filter(pk=user.pk).update(mfa_enabled=False, mfa_secret=None)
