"""Login is required everywhere, except where a view says otherwise; pages also need a role.

Exempt by design: the login page, /healthz and /metrics (no data), the sandbox systems (they stand in
for external systems with their own credentials), signed inbound webhooks, and the API, where DRF's
authentication answers 401/403 in JSON instead of redirecting to a login page.

A signed-in user without any FinSync role (all roles taken away, or never given) gets 403 on every page:
the *view* capability comes with a role, and the selectors scope such a user to no legal entity at all
(`selectors.entity_ids`). The admin keeps its own model permissions, which come from the same roles.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.shortcuts import render

from .roles import Capability
from .selectors import can

EXEMPT_PREFIXES = ("/api/", "/static/")
NO_ROLE_NEEDED = ("/admin/", "/accounts/login/", "/accounts/logout/", "/healthz", "/metrics", "/sandbox/")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None:
            return refused
        if (request.user.is_authenticated and not request.path.startswith(NO_ROLE_NEEDED)
                and not can(request.user, Capability.VIEW)):
            return render(request, "access/no_role.html", status=403)
        return None
