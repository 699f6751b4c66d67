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

        self._scope_third_party_models()
        db_actor.connect_signals()
        signals.connect()
        self._attach_audit_history()
        name = command_line_actor(sys.argv)
        if name:
            db_actor.set_process_default(AuditActor(name=name, role="service"))

    @staticmethod
    def _scope_third_party_models() -> None:
        """Scopes of the models other packages bring into the admin: login throttling records and
        JWT tokens (accounts: sessions are their owner's) and the beat schedule (platform) span every site."""
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django_celery_beat.models import (
            ClockedSchedule,
            CrontabSchedule,
            IntervalSchedule,
            PeriodicTask,
            SolarSchedule,
        )
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

        from accounts.scoping import Scope, register_scope

        for model in (AccessAttempt, AccessFailureLog, AccessLog, BlacklistedToken):
            register_scope(model, Scope("users", all_sites=True))
        register_scope(
            OutstandingToken,
            Scope(
                "users",
                rule=lambda rows, viewer: rows.filter(user_id=viewer.user.pk),
                why="A sign-in session is its owner's: users who see every site see all of them, others their own.",
            ),
        )
        for model in (ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule):
            register_scope(model, Scope("system", all_sites=True))

    @staticmethod
    def _attach_audit_history() -> None:
        # The admin app is listed (and made ready, so autodiscovered) before this one.
        from django.contrib import admin

        from accounts.admin_audit import attach_audit_history

        attach_audit_history(admin.site)
