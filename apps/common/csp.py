"""Content-Security-Policy on every response (settings.CONTENT_SECURITY_POLICY; docs/SECURITY.md).

A small middleware rather than a dependency: the policy is one static header. Pages load scripts and
styles only from our own origin (no inline script, no inline style attributes, no eval), cannot be
framed, and post forms only to us. A view that truly needs more (the Swagger UI, served from a CDN)
says so with `@csp_extend(...)`, so every exception to the policy is visible in the code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


def csp_extend(**extra: list[str]) -> Callable:
    """Add sources to directives for one view: `@csp_extend(script_src=["https://cdn…"])`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response._csp_extra = {name.replace("_", "-"): values for name, values in extra.items()}
            return response

        return wrapped

    return decorator


class ContentSecurityPolicyMiddleware:
    """Sets the policy header unless the response already has one."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = REPORT_ONLY_HEADER if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY else HEADER
        if header in response:
            return response
        directives = {name: list(values) for name, values in settings.CONTENT_SECURITY_POLICY.items()}
        for name, values in getattr(response, "_csp_extra", {}).items():
            directives[name] = directives.get(name, directives.get("default-src", [])) + list(values)
        response[header] = build_policy(directives)
        return response
