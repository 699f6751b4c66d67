"""Routes of the accounts API; orin.api_urls mounts them under /api/v1/."""

from django.urls import path

from accounts.rest import auth, views

ROUTES = [
    ("users", views.UserViewSet, "user"),
    ("roles", views.RoleViewSet, "role"),
    ("site-assignments", views.SiteAssignmentViewSet, "site-assignment"),
    ("api-keys", views.APIKeyViewSet, "api-key"),
    ("auth/sessions", views.SessionViewSet, "session"),
    ("audit-logs", views.AuditLogViewSet, "audit-log"),
]

urlpatterns = [
    path("auth/token/", auth.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", auth.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/me/", views.MeView.as_view(), name="me"),
]
