"""Every page and API call requires login; only the login page, /healthz and static files are public."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"/accounts/login/", "/admin/login/", "/healthz", "/metrics"}


def _concrete_paths() -> list[str]:
    """Every URL of the project that has no parameters (parametrized ones are covered by their lists)."""
    paths: list[str] = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" not in route and "(?P" not in route and "\\" not in route:
                paths.append("/" + route.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns)
    return sorted(set(paths))


PATHS = _concrete_paths()


def test_the_url_walk_found_the_product():
    assert {"/", "/api/v1/schema/", "/admin/", "/api/v1/suppliers/"} <= set(PATHS)


HTML_UNDER_API = {"/api/v1/docs/"}


# The sandbox systems imitate external systems with their own credentials (tests/sandbox covers them).
SANDBOX = "/sandbox/"


@pytest.mark.parametrize("path", [p for p in PATHS if (not p.startswith("/api/") or p in HTML_UNDER_API)
                                  and p not in PUBLIC and not p.startswith(SANDBOX)])
def test_pages_redirect_anonymous_users_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302, path
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("path", [p for p in PATHS if p.startswith("/api/") and p not in HTML_UNDER_API])
def test_api_refuses_anonymous_callers(client, path):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403), path
    assert response["Content-Type"].startswith("application/json")


def test_public_endpoints_stay_public(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
