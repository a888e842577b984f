"""Login is required everywhere, except where a view says otherwise.

Exempt by design: the login page, /healthz and /metrics (no data), the sandbox systems (they stand in
for external systems with their own credentials), signed inbound webhooks, and the API, where DRF's
authentication answers 401/403 in JSON instead of redirecting to a login page.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware

EXEMPT_PREFIXES = ("/api/", "/static/")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
