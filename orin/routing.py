"""Websocket routes; each app appends its consumers here."""

from django.urls import path

from orin.consumers import ConsoleConsumer

websocket_urlpatterns: list = [
    path("ws/console/", ConsoleConsumer.as_asgi()),  # operator console live feed (orin.live)
]
