"""Routes of the video API; orin.api_urls mounts them under /api/v1/."""

from video.rest import views

ROUTES = [
    ("recordings", views.RecordingViewSet, "recording"),
    ("clip-requests", views.ClipRequestViewSet, "clip-request"),
]

urlpatterns: list = []
