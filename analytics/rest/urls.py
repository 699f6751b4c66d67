"""Routes of the analytics API; orin.api_urls mounts them under /api/v1/."""

from analytics.rest import views

ROUTES = [
    ("counting-lines", views.CountingLineViewSet, "counting-line"),
    ("line-counts", views.LineCountViewSet, "line-count"),
    ("camera-analytics", views.CameraAnalyticsViewSet, "camera-analytics"),
    ("zone-analytics", views.ZoneAnalyticsViewSet, "zone-analytics"),
    ("opening-hours", views.OpeningHoursViewSet, "opening-hours"),
]

urlpatterns: list = []
