"""Websocket routes; each app that pushes live updates adds its consumer here."""

from django.urls import path

from apps.workbench.consumers import ExceptionFeedConsumer

websocket_urlpatterns: list = [
    path("ws/exceptions/", ExceptionFeedConsumer.as_asgi(), name="ws-exceptions"),
]
