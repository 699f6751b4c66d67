import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import get_resolver  # noqa: E402

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

# What start-up loaded (Django, every app, the URLconf and admin) lives as long as the process:
# frozen out of the collector's reach, full collections stop re-scanning it every few requests
# (100-150 ms pauses on a 1,000-sighting timeline at 10M events; bench/console.py).
get_resolver().url_patterns  # noqa: B018  (loads the URLconf now, not on the first request)
gc.freeze()
