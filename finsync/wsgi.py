"""WSGI entry point (pages and API behind gunicorn or any WSGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")

application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402

# Import the URL conf (and with it every view module) while the server boots, not inside the first request.
get_resolver().url_patterns  # noqa: B018 - the property's side effect is the point
