"""System checks for a production deployment (`manage.py check --deploy [--database default]`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import connections


@register(Tags.security, deploy=True)
def check_secrets_configuration(app_configs, **kwargs):
    problems = []
    if not settings.DEBUG and not settings.ORIN_FIELD_ENCRYPTION_KEYS_EXPLICIT:
        problems.append(
            Warning(
                "ORIN_FIELD_ENCRYPTION_KEYS is not set, so the column encryption key is derived from "
                "SECRET_KEY: rotating SECRET_KEY would make every stored credential unreadable.",
                hint="Set ORIN_FIELD_ENCRYPTION_KEYS to one or more Fernet keys (newest first).",
                id="orin.W001",
            )
        )
    if not settings.ORIN_MFA_REQUIRED_ROLES:
        problems.append(
            Warning("ORIN_MFA_REQUIRED_ROLES is empty: administrators can sign in without MFA.", id="orin.W002")
        )
    return problems


@register(Tags.database, deploy=True)
def check_database_role(app_configs, databases=None, **kwargs):
    """Row-level security does not apply to superusers or BYPASSRLS roles."""
    problems = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        if row and row[0]:
            problems.append(
                Warning(
                    f"database {alias!r} is used as a superuser or BYPASSRLS role: row-level security is bypassed.",
                    hint="Connect as a plain role prepared with `manage.py grant_app_role <role>`.",
                    id="orin.W003",
                )
            )
    return problems
