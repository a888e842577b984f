"""Every page of the product, found through the URL resolver, so new pages are covered without a list."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

# Not pages for people: the API (its own matrix and fuzzing), the admin (Django's own), the stand-in
# external systems, operational endpoints, and the sign-in/out forms themselves.
NON_PAGE_PREFIXES = ("api/", "admin/", "sandbox/", "static/", "healthz", "metrics", "accounts/login",
                     "accounts/logout", "ws/")


def page_routes() -> list[tuple[str, str, bool]]:
    """(route, url name, takes arguments) of every page route."""
    found: list[tuple[str, str, bool]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if route.startswith(NON_PAGE_PREFIXES) or not entry.name:
                    continue
                found.append((route, f"{namespace}{entry.name}", bool(entry.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns, "", "")
    return found


def page_views() -> dict[str, object]:
    """{url name: view callable} of every page route (the same routes as `page_routes`)."""
    found: dict[str, object] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if not route.startswith(NON_PAGE_PREFIXES) and entry.name:
                    found[f"{namespace}{entry.name}"] = entry.callback

    walk(get_resolver().url_patterns, "", "")
    return found
