"""Routes of the alerts API; orin.api_urls mounts them under /api/v1/."""

from alerts.rest import views

ROUTES = [
    ("alert-rules", views.AlertRuleViewSet, "alert-rule"),
    ("alerts", views.AlertViewSet, "alert"),
    ("active-alerts", views.ActiveAlertViewSet, "active-alert"),
    ("notification-channels", views.NotificationChannelViewSet, "notification-channel"),
]

urlpatterns: list = []
