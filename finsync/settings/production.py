"""Production settings: HTTPS-only cookies, HSTS, strict hosts. SECRET_KEY must come from the environment."""

import os

os.environ.setdefault("FINSYNC_DEMO", "0")

from .base import *  # noqa: E402, F403
from .base import env_bool, env_int  # noqa: E402

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("FINSYNC_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("FINSYNC_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
