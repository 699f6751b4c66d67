"""Request middleware for the audit actor and the MFA requirement."""

from __future__ import annotations

from urllib.parse import urlencode

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from accounts.services import db_actor, mfa
from accounts.services.audit import RequestActor, actor_for_user, reset_actor, set_actor


class AuditActorMiddleware:
    """Makes the request's user (and IP, user agent) the actor of every database statement it
    runs, for the audit triggers and row-level security; clears the session settings afterwards
    so a pooled connection never carries one request's identity into the next."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = set_actor(RequestActor(request))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
            for connection in connections.all(initialized_only=True):
                if connection.vendor == "postgresql":
                    db_actor.reset_session(connection)


class MFARequiredMiddleware:
    """Until a user who needs a second factor has passed one in this session, every page except
    enrolment, verification and sign-out sends them there (API calls get 403). Sits after
    django-otp's OTPMiddleware, which knows whether the session is verified."""

    EXEMPT_URL_NAMES = {"mfa-setup", "mfa-verify", "logout"}

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not mfa.user_is_verified(user)
            and not self._exempt(request)
            and mfa.needs_second_factor(user)
        ):
            return self._challenge(request, user)
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        if request.path_info.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/favicon")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in self.EXEMPT_URL_NAMES

    def _challenge(self, request, user):
        wants_json = request.accepts("application/json") and not request.accepts("text/html")
        if request.path_info.startswith("/api/") or wants_json:
            detail = "a second factor is required: sign in again with your one-time code"
            return JsonResponse({"detail": detail, "code": "mfa_required"}, status=403)
        target = "mfa-verify" if mfa.has_confirmed_device(user) else "mfa-setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class AccountsASGIMiddleware:
    """The websocket counterpart of the HTTP middleware: consumers act as the connected user
    (audit triggers, RLS), and a user who needs a second factor but whose session has not passed
    one connects as anonymous. Goes inside channels' AuthMiddlewareStack (scope["user"] resolved)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if getattr(user, "is_authenticated", False):
            verified = await database_sync_to_async(mfa.session_passes_mfa)(user, scope.get("session"))
            if not verified:
                user = AnonymousUser()
                scope = {**scope, "user": user}
        client = scope.get("client") or (None, None)
        agent = dict(scope.get("headers") or []).get(b"user-agent", b"").decode("latin-1")[:512] or None
        token = set_actor(actor_for_user(user, ip=client[0], user_agent=agent))
        try:
            return await self.app(scope, receive, send)
        finally:
            reset_actor(token)
