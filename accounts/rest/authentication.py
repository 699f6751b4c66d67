"""JWT authentication that honours sign-out before the access token expires."""

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.services.sessions import SESSION_CLAIM, is_session_revoked


class SessionJWTAuthentication(JWTAuthentication):
    """`Authorization: Bearer <access token>`; refused once its session has been signed out."""

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        session_id = token.get(SESSION_CLAIM)
        if session_id and is_session_revoked(str(session_id)):
            raise InvalidToken({"detail": "this session has been signed out", "code": "session_revoked"})
        return token
