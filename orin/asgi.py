import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.middleware import AccountsASGIMiddleware  # noqa: E402
from orin.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # AccountsASGIMiddleware: the user as audit/RLS actor, and MFA enforced (accounts.middleware)
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(AccountsASGIMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
