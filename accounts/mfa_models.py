"""django-otp devices whose secrets are never stored in the clear.

django-otp's own TOTP and static plugins keep the TOTP key and the recovery codes as plain
text; here the key is an `EncryptedTextField` (the one secrets-at-rest mechanism) and recovery
codes are stored as SHA-256 digests, so a database dump yields no second factor.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from accounts.crypto import EncryptedTextField
from accounts.scoping import Scope, register_scope


def new_totp_key() -> str:
    return random_hex(20)  # 160 bits, RFC 4226's recommended length


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (RFC 6238, SHA-1, 6 digits, 30 s) with an encrypted key."""

    key = EncryptedTextField(default=new_totp_key, help_text="Hex key, stored encrypted.")
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1, help_text="Time step of the last accepted code (no replay).")

    class Meta(Device.Meta):
        db_table = "mfa_totp_devices"
        verbose_name = "TOTP device"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token or "").strip().replace(" ", "")
        totp = self.totp()
        verified = token.isdigit() and totp.verify(int(token), self.tolerance, self.last_t + 1)
        if verified:
            self.last_t = totp.t()
            self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return bool(verified)

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """otpauth:// URI for an authenticator app (shown once, at enrolment)."""
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "ORIN").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = {"secret": b32encode(self.bin_key).decode(), "digits": self.digits, "period": self.step}
        return f"otpauth://totp/{quote(label)}?{urlencode(params)}&issuer={quote(issuer)}"


def recovery_code_digest(code: str) -> str:
    normalised = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A sheet of single-use recovery codes (for a lost phone)."""

    class Meta(Device.Meta):
        db_table = "mfa_recovery_devices"
        verbose_name = "recovery code sheet"

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        digest = recovery_code_digest(token or "")
        match = next(
            (c for c in self.codes.filter(used_at__isnull=True) if hmac.compare_digest(c.code_hash, digest)), None
        )
        if match is None:
            self.throttle_increment(commit=True)
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        self.throttle_reset(commit=True)
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "mfa_recovery_codes"


_OWN_DEVICES = Scope(
    "users",
    rule=lambda rows, viewer: rows.filter(user_id=viewer.user.pk),
    why="A second factor belongs to its user alone.",
)
for _device_model in (TOTPDevice, RecoveryCodeDevice):
    register_scope(_device_model, _OWN_DEVICES)
