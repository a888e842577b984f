"""ASGI entry point: Django for HTTP, Channels for the live-update websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")

django_asgi_app = get_asgi_application()

from django.urls import get_resolver  # noqa: E402

# Import the URL conf (and with it every view module) while the server boots, not inside the first request:
# each server process paid ~1 s of CPU on its first request for it (py-spy, docs/PIPELINE.md).
get_resolver().url_patterns  # noqa: B018 - the property's side effect is the point

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from finsync.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
