"""Routes of the scene descriptions API; orin.api_urls mounts them under /api/v1/."""

from scenes.rest import views

ROUTES = [
    ("scene-descriptions", views.SceneDescriptionViewSet, "scene-description"),
]

urlpatterns: list = []
