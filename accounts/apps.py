import sys
from pathlib import Path

from django.apps import AppConfig

# Commands that serve requests: their actor comes from each request, never from the process.
SERVING_COMMANDS = {"runserver", "daphne", "runworker"}


def command_line_actor(argv: list[str]) -> str | None:
    """`service:manage:<command>` for `manage.py <command>` / `django-admin <command>`."""
    if len(argv) < 2 or Path(argv[0]).name not in {"manage.py", "django-admin"}:
        return None
    command = argv[1]
    if command.startswith("-") or command in SERVING_COMMANDS:
        return None
    return f"service:manage:{command}"


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        from accounts import checks, signals  # noqa: F401  (checks register themselves)
        from accounts.services import db_actor
        from accounts.services.audit import AuditActor

        db_actor.connect_signals()
        signals.connect()
        self._attach_audit_history()
        name = command_line_actor(sys.argv)
        if name:
            db_actor.set_process_default(AuditActor(name=name, role="service"))

    @staticmethod
    def _attach_audit_history() -> None:
        # The admin app is listed (and made ready, so autodiscovered) before this one.
        from django.contrib import admin

        from accounts.admin_audit import attach_audit_history

        attach_audit_history(admin.site)
