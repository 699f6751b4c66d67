"""DRF authentication for device API keys: `Authorization: Api-Key <key>` (or `X-Api-Key`)."""

from rest_framework import authentication, exceptions

from accounts.services.api_keys import verify_api_key


class DeviceKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        raw_key = None
        if header.lower().startswith(self.keyword.lower() + " "):
            raw_key = header[len(self.keyword) + 1 :]
        elif request.META.get("HTTP_X_API_KEY"):
            raw_key = request.META["HTTP_X_API_KEY"]
        if raw_key is None:
            return None
        api_key = verify_api_key(raw_key, ip=request.META.get("REMOTE_ADDR"))
        if api_key is None:
            raise exceptions.AuthenticationFailed("invalid, expired or revoked API key")
        return api_key.user, api_key

    def authenticate_header(self, request):
        return self.keyword
