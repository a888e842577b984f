"""Production settings: `check --deploy` is clean, cookies are secure, HSTS is on, the CSP is enforced."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {"DJANGO_SETTINGS_MODULE": "finsync.settings.production", "ALLOWED_HOSTS": "finsync.example.com",
                  "SECRET_KEY": secrets.token_urlsafe(50)}


def _production_env() -> dict:
    """The test process's environment as production would have it: no test settings module, and not the
    async-unsafe switch the browser tests set for Playwright."""
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {k: v for k, v in os.environ.items() if k not in dropped} | PRODUCTION_ENV


def _production(code: str) -> str:
    env = _production_env()
    done = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], env=env,
                          cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_check_deploy_is_clean_under_production_settings():
    env = _production_env()
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_production_cookies_hsts_and_csp():
    shown = _production(
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS, "
        "s.CONTENT_SECURITY_POLICY_REPORT_ONLY, s.CONTENT_SECURITY_POLICY['frame-ancestors'])"
    )

    assert shown == "True True True 31536000 True True DENY False [\"'none'\"]"
