from django.contrib import admin
from django.urls import include, path

from faces import api as faces_api
from surveillance import views as surveillance_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", surveillance_views.healthz, name="healthz"),
    path("readyz", surveillance_views.readyz, name="readyz"),
    path("account/", include("accounts.urls")),  # second-factor enrolment and verification
    path("api/v1/ingest/frames", faces_api.FrameIngestView.as_view(), name="api-ingest-frames"),
    path("api/v1/faces/search", faces_api.FaceSearchView.as_view(), name="api-faces-search"),
    path("api/", include("orin.api_urls")),  # REST API v1, OpenAPI schema and docs
]

# No public /media/ mapping, not even in DEBUG: snapshots and face crops are served only by the
# policy-checked console view (admin:console_media).

__all__ = ["urlpatterns", "include"]
