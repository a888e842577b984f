"""Sign-in throttling: failed logins are counted per (username, client address) in the cache.

After FINSYNC_LOGIN_MAX_FAILURES failures the pair is locked out for FINSYNC_LOGIN_LOCKOUT_SECONDS,
with a message that says so; a successful sign-in clears the count. Keying on the pair (not the
username alone) means an attacker cannot lock a colleague out from elsewhere. The address is
REMOTE_ADDR: behind a proxy, set it from the proxy's header in the proxy or the WSGI server.
"""

from __future__ import annotations

import hashlib
import math
import time

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache

from apps.audit.services import audit_record
from apps.common.http import client_ip


def _key(username: str, ip_address: str | None) -> str:
    ident = hashlib.sha256(f"{username.strip().lower()}|{ip_address or ''}".encode()).hexdigest()
    return f"login-failures:{ident}"


def login_lockout_remaining(*, username: str, ip_address: str | None) -> int:
    """Seconds this username+address is still locked out (0 = may try)."""
    entry = cache.get(_key(username, ip_address))
    if not entry or entry["count"] < settings.FINSYNC_LOGIN_MAX_FAILURES:
        return 0
    return max(0, int(entry["until"] - _now()))


def login_failure_record(*, username: str, ip_address: str | None) -> int:
    """Count one failed sign-in; returns the failures in the current window. Audited when it locks."""
    key = _key(username, ip_address)
    window = settings.FINSYNC_LOGIN_LOCKOUT_SECONDS
    entry = cache.get(key) or {"count": 0}
    entry = {"count": entry["count"] + 1, "until": _now() + window}
    cache.set(key, entry, timeout=window)
    if entry["count"] == settings.FINSYNC_LOGIN_MAX_FAILURES:
        audit_record(action="auth.login_locked", actor_label=username[:150] or "(blank)", ip_address=ip_address,
                     reason=f"{entry['count']} failed sign-ins", after={"locked_seconds": window})
    return entry["count"]


def login_failures_clear(*, username: str, ip_address: str | None) -> None:
    cache.delete(_key(username, ip_address))


def _now() -> float:
    return time.time()


class ThrottledLoginMixin:
    """Refuses sign-in while the username+address is locked out, and counts failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": "Too many failed sign-ins for this username from your address. Try again in %(minutes)s "
                      "minute(s), or ask an administrator to reset your password.",
    }

    def clean(self):
        username = self.data.get("username", "") or ""
        ip_address = client_ip(self.request) if self.request else None
        remaining = login_lockout_remaining(username=username, ip_address=ip_address)
        if remaining:
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out",
                                        params={"minutes": max(1, math.ceil(remaining / 60))})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, ip_address=ip_address)
            raise
        login_failures_clear(username=username, ip_address=ip_address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The sign-in form of the product's login page."""

    error_messages = {
        **ThrottledLoginMixin.error_messages,
        "invalid_login": "Your username and password did not match. Please try again.",
    }


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's sign-in form, with the same throttle."""
