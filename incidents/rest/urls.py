"""Routes of the incidents API; orin.api_urls mounts them under /api/v1/."""

from incidents.rest import views

ROUTES = [
    ("incidents", views.IncidentViewSet, "incident"),
    ("incident-types", views.IncidentTypeViewSet, "incident-type"),
]

urlpatterns: list = []
