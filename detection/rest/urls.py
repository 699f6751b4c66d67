"""Routes of the detection API; orin.api_urls mounts them under /api/v1/."""

from detection.rest import views

ROUTES = [
    ("guards", views.GuardViewSet, "guard"),
    ("detections", views.DetectionViewSet, "detection"),
]

urlpatterns: list = []
