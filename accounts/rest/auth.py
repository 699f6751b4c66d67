"""Sign-in for API clients: JWT pairs, rotation, sign-out and the user's own sessions.

`TokenObtainSerializer.check_second_factor` is the hook where the security module's MFA check
(`accounts.services.mfa.verify_login_otp`) decides whether this user must give a one-time code.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings

from accounts.services import mfa
from accounts.services.audit import record_access
from accounts.services.sessions import SessionError, end_session, start_session


class TokenObtainSerializer(jwt_serializers.TokenObtainSerializer):
    """Username and password (and a one-time code where the user's role requires one)."""

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=64,
        help_text="One-time code (TOTP) or recovery code",
    )
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    @classmethod
    def get_token(cls, user):
        return start_session(user)

    def check_second_factor(self, user, code: str) -> None:
        """Raise AuthenticationFailed when `user` needs a second factor (accounts.services.mfa:
        admin roles, or anyone enrolled) and `code` is not a valid TOTP or recovery code."""
        if mfa.verify_login_otp(user, code):
            return
        request = self.context.get("request")
        record_access(user, "mfa_failed", "user", user.pk, request=request, via="jwt")
        if not mfa.has_confirmed_device(user):
            raise exceptions.AuthenticationFailed(
                "this account must set up two-step verification in the console before using the API", "mfa_not_enrolled"
            )
        if not code:
            raise exceptions.AuthenticationFailed("this account requires a one-time code (otp)", "mfa_required")
        raise exceptions.AuthenticationFailed("the one-time code is not valid or was already used", "mfa_invalid")

    def validate(self, attrs: dict) -> dict:
        super().validate(attrs)  # authenticate(request=...), so lockout sees every attempt
        self.check_second_factor(self.user, attrs.get("otp") or "")
        refresh = self.get_token(self.user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """Rotates: the refresh token given is blacklisted and a new one returned."""

    def validate(self, attrs: dict) -> dict:
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            raise exceptions.AuthenticationFailed("this account no longer exists", "no_active_account") from None


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(write_only=True, help_text="The session's current refresh token")


class TokenObtainView(jwt_views.TokenObtainPairView):
    """Sign in: a JWT access token (1 h) and refresh token (30 d, rotated on use)."""

    serializer_class = TokenObtainSerializer
    throttle_scope = "auth"

    @extend_schema(responses={200: TokenObtainSerializer}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        user = serializer.user
        record_access(user, "login", "user", user.pk, request=request, success=True, via="jwt")
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class TokenRefreshView(jwt_views.TokenRefreshView):
    """New access token and a rotated refresh token; the old refresh token stops working."""

    serializer_class = TokenRefreshSerializer
    throttle_scope = "auth"

    @extend_schema(tags=["auth"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    """Sign out with the session's refresh token (an expired access token is fine): the refresh
    token is revoked and the session's access tokens stop working at once."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(request=LogoutSerializer, responses={204: None}, tags=["auth"])
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user_id = end_session(serializer.validated_data["refresh"])
        except SessionError as exc:
            raise exceptions.ValidationError({"refresh": [str(exc)]}) from None
        user = get_user_model().objects.filter(pk=user_id).first()
        record_access(user, "logout", "user", user_id, request=request, via="jwt")
        return Response(status=status.HTTP_204_NO_CONTENT)
