"""Small facts about an incoming request that several apps record."""

from __future__ import annotations


def client_ip(request) -> str | None:
    """The address the request came from, for audit rows and throttles.

    This is REMOTE_ADDR as the server saw it: behind a proxy, the proxy or the WSGI server sets it from its
    forwarding header (docs/SECURITY.md); trusting a client-sent X-Forwarded-For here would let anyone forge it.
    """
    return request.META.get("REMOTE_ADDR")
