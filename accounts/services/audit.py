"""The audit trail: who did what, to which record, from where.

Writes (create/update/delete of the sensitive tables) are recorded by database triggers
(migration accounts 0006, seed 004 §15): no ORM call, raw SQL, admin action, Celery task or
`manage.py shell` session can skip them. The trigger reads the actor from per-connection
settings that `accounts.services.db_actor` keeps in step with the Python-side actor set here:

- web requests: `accounts.middleware.AuditActorMiddleware` (session users, and DRF users once
  DRF has authenticated them, because DRF sets `request.user` on the Django request);
- Celery tasks: `service:celery:<task name>` (signals in `accounts.apps`), or an explicit
  `with audit_actor("service:<name>"):`;
- management commands: `with audit_actor("service:<command>"):`.

Reads that matter (gallery views, media downloads, exports, "who is this?" searches, logins)
cannot be seen by a trigger, so views call `record_access(...)`.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import ipaddress
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from accounts.models import AuditLog

REDACTED = "[redacted]"

# A key matching this has its value replaced; the audit trigger applies the same expression
# (accounts 0008 `orin_audit_redact`). `key` counts as a whole snake_case word only.
SECRET_KEY_RE = re.compile(
    r"password|passphrase|secret|token|api_?key|(^|_)key($|_)|private|psk|credential|encrypted|otp"
    r"|recovery_code|authorization|cookie|session",
    re.IGNORECASE,
)
USER_AGENT_MAX = 512

# Tables the audit triggers cover (migrations accounts 0006, 0007): model label → resource_type.
AUDITED_MODELS = {
    "faces.person": "person",
    "surveillance.camera": "camera",
    "surveillance.dvr": "dvr",
    "surveillance.site": "site",
    "accounts.user": "user",
    "accounts.role": "role",
    "accounts.permissiongrant": "permission_grant",
    "accounts.usersiteassignment": "site_assignment",
    "accounts.apikey": "api_key",
    "alerts.alert": "alert",
    "alerts.alertrule": "alert_rule",
    "faces.watchlist": "watchlist",
    "faces.watchlistentry": "watchlist_entry",
    "alerts.notificationchannel": "notification_channel",
    "alerts.telegramconfig": "telegram_config",
    "alerts.whatsappconfig": "whatsapp_config",
    "alerts.webhookconfig": "webhook_config",  # accounts 0007
    "alerts.emailconfig": "email_config",
    "faces.faceembedding": "face_embedding",
    "scenes.describerendpoint": "describer_endpoint",  # scenes 0002
    "scenes.cameraprompt": "scene_camera_prompt",
    "scenes.siteprivacy": "scene_site_privacy",
}
_URL_CREDENTIALS = re.compile(r"://[^/@\s]+@")  # rtsp://user:pass@host/…


@dataclasses.dataclass(frozen=True)
class AuditActor:
    """Whoever is acting: a user (id, username, role) or a named service, plus where from."""

    name: str
    user_id: str | None = None
    role: str = ""
    ip: str | None = None
    user_agent: str | None = None


_current_actor: contextvars.ContextVar = contextvars.ContextVar("orin_audit_actor", default=None)


def current_actor() -> AuditActor | None:
    actor = _current_actor.get()
    return actor.resolve() if isinstance(actor, RequestActor) else actor


def actor_for_user(user, *, ip: str | None = None, user_agent: str | None = None) -> AuditActor:
    """The actor for a Django user (anonymous users act as "anonymous", which RLS denies)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return AuditActor(name="anonymous", role="anonymous", ip=ip, user_agent=user_agent)
    return AuditActor(
        name=user.get_username(), user_id=str(user.pk), role=_loaded_role_name(user), ip=ip, user_agent=user_agent
    )


def _loaded_role_name(user) -> str:
    """The role name if already loaded; never a query (this may run inside a cursor). The RLS
    policies look the role up themselves, so this value is informational."""
    if user.is_superuser:
        return "super_admin"
    state = getattr(user, "_state", None)
    role = state.fields_cache.get("role") if state is not None else None
    return getattr(role, "name", "") or ""


class RequestActor:
    """The actor of a web request, following `request.user` as it gets resolved: lazily by
    Django's session middleware, or later by DRF authentication (which sets `request.user` on
    the Django request). Until then the request acts as "anonymous"."""

    def __init__(self, request) -> None:
        self.request = request
        self.ip = client_ip(request)
        self.user_agent = user_agent(request)
        self._cache: tuple[Any, AuditActor] | None = None

    def resolve(self) -> AuditActor:
        user = self.request.__dict__.get("user")
        while isinstance(user, SimpleLazyObject):  # auth and OTP middleware each wrap it
            # Never evaluate it here: this runs inside the database cursor, and evaluating the
            # lazy user runs a query itself.
            user = None if user._wrapped is empty else user._wrapped
        if self._cache is None or self._cache[0] is not user:
            self._cache = (user, actor_for_user(user, ip=self.ip, user_agent=self.user_agent))
        return self._cache[1]


def set_actor(actor: AuditActor | RequestActor | None) -> contextvars.Token:
    """Low-level: make `actor` current (the middleware and signal handlers pair it with reset_actor)."""
    return _current_actor.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    _current_actor.reset(token)


@contextlib.contextmanager
def audit_actor(actor: str | AuditActor | Any, *, ip: str | None = None) -> Iterator[AuditActor]:
    """Attribute every write inside the block to `actor`: "service:<name>", a User or an AuditActor.

    with audit_actor("service:rotate_secrets"):
        ...
    """
    if isinstance(actor, AuditActor):
        resolved = actor
    elif isinstance(actor, str):
        if not actor.startswith("service:"):
            raise ValueError(f"a service actor must be named 'service:<name>', got {actor!r}")
        resolved = AuditActor(name=actor, role="service", ip=ip)
    else:
        resolved = actor_for_user(actor, ip=ip)
    token = _current_actor.set(resolved)
    try:
        yield resolved
    finally:
        _current_actor.reset(token)


def client_ip(request) -> str | None:
    """The peer address Django saw. Behind a reverse proxy, the proxy must set REMOTE_ADDR
    (e.g. daphne --proxy-headers); X-Forwarded-For is client-controlled and not trusted here."""
    raw = (getattr(request, "META", None) or {}).get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def user_agent(request) -> str | None:
    raw = (getattr(request, "META", None) or {}).get("HTTP_USER_AGENT")
    return raw[:USER_AGENT_MAX] if raw else None


def is_secret_key(key: str) -> bool:
    return SECRET_KEY_RE.search(str(key)) is not None


def redact(value: Any) -> Any:
    """A copy of `value` with every secret-looking key's value (and credentials inside URLs)
    replaced by "[redacted]", as the audit trigger's `orin_audit_redact` does."""
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if is_secret_key(k) else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return _URL_CREDENTIALS.sub("://[redacted]@", value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)


def _as_uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def record_access(
    user,
    action: str,
    resource_type: str,
    resource_id=None,
    request=None,
    **details: Any,
) -> AuditLog:
    """Record a read or sign-in that matters: gallery view, media download, export, face search,
    login success/failure. `user` may be None (failed login of an unknown name); extra keyword
    arguments go to `details`, with secret-looking keys redacted.

    record_access(request.user, "media_download", "media_file", media.id, request=request)
    """
    actor = current_actor()
    if request is not None:
        ip, agent = client_ip(request), user_agent(request)
    else:
        ip, agent = (actor.ip, actor.user_agent) if actor else (None, None)
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    payload = redact(details)
    if user_id is None and actor is not None and actor.user_id is None and "actor" not in payload:
        payload["actor"] = actor.name
    rid = _as_uuid(resource_id)
    if resource_id is not None and rid is None:
        payload["resource_ref"] = str(resource_id)  # e.g. an export name or a non-UUID key
    return AuditLog.objects.create(
        user_id=user_id,
        action=action[:100],
        resource_type=resource_type[:50],
        resource_id=rid,
        details=payload,
        ip_address=ip,
        user_agent=agent,
        timestamp=timezone.now(),
    )
