"""Secrets at rest: one Fernet mechanism for every encrypted column.

`MultiFernet` encrypts with the first key of ORIN_FIELD_ENCRYPTION_KEYS and decrypts with any,
which is what key rotation needs (prepend a key, re-encrypt, drop the old one).
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"ORIN_FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.ORIN_FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> bytes:
    return fernet().encrypt(plaintext.encode())


def decrypt(token: bytes) -> str:
    try:
        return fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("an encrypted column cannot be decrypted with the configured keys") from exc


def rotate(token: bytes) -> bytes:
    return fernet().rotate(bytes(token))


class EncryptedTextField(models.BinaryField):
    """A str in Python, Fernet ciphertext (bytea) in the database."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt(value)

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return decrypt(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or value == "":
            return None
        if isinstance(value, memoryview | bytes):
            return super().get_db_prep_value(value, connection, prepared)
        return super().get_db_prep_value(encrypt(str(value)), connection, prepared)

    def value_to_string(self, obj):
        return "" if self.value_from_object(obj) is None else "********"

    def save_form_data(self, instance, data):
        # The form never shows the stored secret, so an empty field means "keep it".
        if data:
            setattr(instance, self.attname, data)

    def formfield(self, **kwargs):
        from django import forms

        return forms.CharField(
            required=False,
            widget=forms.PasswordInput(render_value=False, attrs={"placeholder": "stored encrypted; blank keeps it"}),
            help_text=self.help_text,
            label=kwargs.get("label") or self.verbose_name.capitalize(),
        )
