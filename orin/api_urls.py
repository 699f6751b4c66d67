"""The REST API: /api/v1/ (every app's `rest` routes on one router), the OpenAPI 3 schema at
/api/schema/ and Swagger UI at /api/docs/. Frame ingest and face search
(api/v1/ingest/frames, api/v1/faces/search) are routed by orin.urls to faces.api."""

from django.http import JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

import accounts.rest.schema  # noqa: F401  (registers the authentication schemes)
from accounts.rest import urls as accounts_urls
from alerts.rest import urls as alerts_urls
from analytics.rest import urls as analytics_urls
from detection.rest import urls as detection_urls
from faces.rest import urls as faces_urls
from incidents.rest import urls as incidents_urls
from scenes.rest import urls as scenes_urls
from surveillance.rest import urls as surveillance_urls
from video.rest import urls as video_urls

APPS = (
    accounts_urls,
    surveillance_urls,
    faces_urls,
    alerts_urls,
    detection_urls,
    video_urls,
    incidents_urls,
    analytics_urls,
    scenes_urls,
)
UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

router = DefaultRouter()
router.include_format_suffixes = False
for app in APPS:
    for prefix, viewset, basename in app.ROUTES:
        viewset.lookup_value_regex = getattr(viewset, "lookup_value_regex", None) or UUID_PATTERN
        router.register(prefix, viewset, basename=basename)

v1 = [path("", include(router.urls)), *(pattern for app in APPS for pattern in app.urlpatterns)]


@csrf_exempt  # nothing happens here; a CSRF refusal would answer in HTML
def unknown_endpoint(request, path: str = ""):
    """JSON, not Django's HTML page, for API URLs that match no route (e.g. a malformed id)."""
    detail = "no such API endpoint or object"
    if not request.path.endswith("/"):
        try:
            if resolve(request.path + "/").func is not unknown_endpoint:
                detail += f"; did you mean {request.path}/ ?"
        except Resolver404:
            pass
    return JsonResponse({"detail": detail, "code": "not_found"}, status=404)


app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]), name="docs"),
    # Last: orin.urls routes api/v1/ingest/frames and api/v1/faces/search before this module.
    re_path(r"^(?P<path>[\s\S]*)\Z", unknown_endpoint),
]
