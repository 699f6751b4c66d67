"""Signal receivers: sign-ins into the audit trail, and Celery tasks as named service actors."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts.services.audit import AuditActor, record_access, reset_actor, set_actor

_task_tokens: dict[str, object] = {}


def _login_succeeded(sender, request, user, **kwargs) -> None:
    from accounts.services.mfa import user_is_verified

    record_access(user, "login", "user", user.pk, request=request, success=True, mfa_used=user_is_verified(user))


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    target = User.objects.filter(**{User.USERNAME_FIELD: username}).only("pk").first() if username else None
    # The targeted account (if it exists) is the resource; nobody is signed in.
    record_access(
        None, "login_failed", "user", getattr(target, "pk", None), request=request, success=False, username=username
    )


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_access(user, "logout", "user", user.pk, request=request)


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    record_access(None, "login_locked_out", "user", request=request, username=str(username or "")[:150])


def _task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task_id and task is not None:
        _task_tokens[task_id] = set_actor(AuditActor(name=f"service:celery:{task.name}", role="service"))


def _task_finished(sender=None, task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            reset_actor(token)
        except ValueError:  # finished in another context than it started (eager/threaded pools)
            set_actor(None)


def connect() -> None:
    user_logged_in.connect(_login_succeeded, dispatch_uid="orin-audit-login")
    user_login_failed.connect(_login_failed, dispatch_uid="orin-audit-login-failed")
    user_logged_out.connect(_logged_out, dispatch_uid="orin-audit-logout")

    from axes.signals import user_locked_out
    from celery.signals import task_postrun, task_prerun

    user_locked_out.connect(_locked_out, dispatch_uid="orin-audit-locked-out")
    task_prerun.connect(_task_started, dispatch_uid="orin-audit-task-start", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="orin-audit-task-end", weak=False)
