"""Routes of the surveillance API; orin.api_urls mounts them under /api/v1/."""

from django.urls import path

from surveillance.rest import ingest, media, views

ROUTES = [
    ("sites", views.SiteViewSet, "site"),
    ("dvrs", views.DVRViewSet, "dvr"),
    ("cameras", views.CameraViewSet, "camera"),
    ("zones", views.ZoneViewSet, "zone"),
    ("events", views.EventViewSet, "event"),
    ("suspicious-events", views.SuspiciousActivityEventViewSet, "suspicious-event"),
    ("media-files", views.MediaFileViewSet, "media-file"),
    ("video-clips", views.VideoClipViewSet, "video-clip"),
    ("health-logs", views.SystemHealthLogViewSet, "health-log"),
    ("connectivity-logs", views.DeviceConnectivityLogViewSet, "connectivity-log"),
    ("recent-events", views.RecentEventViewSet, "recent-event"),
]

urlpatterns = [
    path("ingest/events", ingest.IngestEventsView.as_view(), name="ingest-events"),
    path("dashboard/stats/", views.DashboardStatsView.as_view(), name="dashboard-stats"),
    path("media/download/<str:token>/", media.MediaDownloadView.as_view(), name="media-download"),
]
