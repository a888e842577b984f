"""Every API list is paginated with a ceiling: asking for a huge page gets at most MAX_PAGE_SIZE rows."""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.common.pagination import MAX_PAGE_SIZE, BoundedLimitOffsetPagination


def _api_list_views():
    """(route, view class) of every DRF list action under /api/, found through the URL resolver."""
    found = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry.url_patterns, prefix + str(entry.pattern))
                continue
            cls = getattr(entry.callback, "cls", None)
            actions = getattr(entry.callback, "actions", None) or {}
            if cls and actions.get("get") == "list":
                found.append((prefix + str(entry.pattern), cls))

    walk(get_resolver().url_patterns)
    return [(route, cls) for route, cls in found if route.startswith("api/")]


# Lists that are not querysets, bounded by the code itself rather than by rows in the database.
BOUNDED_BY_CODE = {
    "CanonicalSchemaViewSet": "the canonical JSON Schemas shipped with the code (a dozen files)",
}


def test_there_are_list_endpoints_to_check():
    assert len(_api_list_views()) >= 5


@pytest.mark.parametrize(("route", "view"), _api_list_views(), ids=lambda v: str(v))
def test_every_list_endpoint_has_a_bounded_page(route, view):
    if view.__name__ in BOUNDED_BY_CODE:
        assert not issubclass(view, viewsets.GenericViewSet), f"{route} lists rows now: paginate it"
        return
    assert issubclass(view, viewsets.GenericViewSet), f"{route} lists without a paginated queryset"
    paginator = view.pagination_class
    assert paginator is not None, f"{route} is not paginated"
    assert issubclass(paginator, BoundedLimitOffsetPagination) or getattr(paginator, "max_limit", None) or getattr(
        paginator, "max_page_size", None), f"{route} has no maximum page size"


@pytest.mark.django_db
def test_a_huge_limit_is_clamped(client_for, auditor):
    response = client_for(auditor).get("/api/v1/legal-entities/?limit=1000000")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    paginator = BoundedLimitOffsetPagination()
    request = Request(APIRequestFactory().get("/api/v1/legal-entities/?limit=1000000"))
    assert paginator.get_limit(request) == MAX_PAGE_SIZE
