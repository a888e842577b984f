"""API rate limits per user, per token and per address (DRF throttles counted in the Redis cache).

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (environment-driven, see settings) and are
read at request time, so a changed setting applies without a restart of the class definitions.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class PerUserThrottle(_LiveRates, UserRateThrottle):
    """All requests of one user, through the browser session and all of their tokens together."""


class PerAnonymousThrottle(_LiveRates, AnonRateThrottle):
    """Unauthenticated requests (failed token checks included), per client address."""


class PerScopeThrottle(_LiveRates, ScopedRateThrottle):
    """Views that name a `throttle_scope` (e.g. signed inbound webhooks) get their own budget."""


class PerTokenThrottle(_LiveRates, SimpleRateThrottle):
    """Requests made with one API token: a runaway script exhausts its own budget, not its owner's."""

    scope = "token"

    def get_cache_key(self, request, view):
        from apps.access.models import ApiToken

        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
