"""WSGI entry point (pages and API behind gunicorn or any WSGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")

application = get_wsgi_application()
