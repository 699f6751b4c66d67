"""Websocket routes; each app appends its consumers here."""

from django.urls import path

from orin.consumers import ConsoleConsumer

websocket_urlpatterns: list = [
    path("ws/console/", ConsoleConsumer.as_asgi()),  # operator console live feed (orin.live)
]

from incidents.consumers import IncidentTimelineConsumer  # noqa: E402

websocket_urlpatterns.append(path("ws/incidents/<uuid:incident_id>/", IncidentTimelineConsumer.as_asgi()))
