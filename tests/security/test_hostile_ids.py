"""Oversized, negative and non-numeric ids, in paths and in every filter of every list page and API list (filters
found in the pages' own forms and in the OpenAPI schema): never a 5xx, a 4xx or an empty result instead, and
nothing echoed back unescaped."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.exceptions.services import exception_raise

from .api_ops import PARAM
from .pages import page_routes, page_views
from .test_hostile_input import INPUT_NAME, PAYLOADS, SCRIPT, _api_list_paths

HUGE = str(10**30)  # beyond any database integer
IDS = [HUGE, str(2**63), str(2**31), "-1", "0", "abc", "1.5", "1e9", "0x10", "1,2", "", " 7", "١٢"]
PAGING = ["page", "after", "gpage", "limit", "offset", "sort", "group", "partial", "job", "from", "record",
          "against", "entity", "period", "days", "currency"]


@pytest.fixture
def data(entity_de):
    return exception_raise(kind="invoice.duplicate", message="Invoice INV-1 already exists", reference="INV-1",
                           legal_entity=entity_de, record_type="invoice")


def _int_routes() -> list[tuple[str, str]]:
    views = page_views()
    return [(route, name) for route, name, has_args in page_routes() if has_args and "<int:" in route
            and name in views]


@pytest.mark.django_db
def test_oversized_ids_in_page_paths_answer_404_never_500(client_for, controller, data):
    client = client_for(controller)
    problems = []
    routes = _int_routes()
    assert len(routes) >= 15
    for route, _name in routes:
        for value in (HUGE, str(2**63), str(2**31)):
            url = "/" + re.sub(r"<(?:slug|str):[^>]+>", "resolve", re.sub(r"<int:[^>]+>", value, route))
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status >= 500 or status == 200 and method == "post":
                    problems.append(f"{method.upper()} {url}: {status}")
    assert problems == []


@pytest.mark.django_db
def test_oversized_and_garbage_ids_in_api_paths(client_for, controller, data):
    from .api_ops import schema_operations

    client = client_for(controller)
    problems = []
    templates = sorted({p for m, p in schema_operations() if m == "get" and "{" in p
                        and not p.startswith("/api/v1/sandbox/")})
    for template in templates:
        for value in (HUGE, str(2**63), "-1", "abc", "%27%20OR%201=1"):
            status = client.get(PARAM.sub(value, template)).status_code
            if status >= 500 or status == 200:
                problems.append(f"{template} with {value}: {status}")
    assert problems == []


def _page_list_urls() -> list[str]:
    return [reverse(name) for _, name, has_args in page_routes() if not has_args]


@pytest.mark.django_db
def test_garbage_in_every_filter_and_paging_field_of_every_page(client_for, controller, data):
    client = client_for(controller)
    problems = []
    for url in _page_list_urls():
        first = client.get(url)
        if first.status_code != 200 or first.streaming or not first["Content-Type"].startswith("text/html"):
            continue
        names = {n.decode() for n in INPUT_NAME.findall(first.content)} - {"csrfmiddlewaretoken"}
        for name in sorted(names | set(PAGING)):
            for value in [*IDS, *PAYLOADS]:
                response = client.get(url, {name: value})
                body = b"" if response.streaming else response.content
                if response.status_code >= 500:
                    problems.append(f"{url}?{name}={value!r}: {response.status_code}")
                elif SCRIPT.encode() in body:
                    problems.append(f"{url}?{name}: echoes an unescaped script")
    assert problems == []


def _api_list_filters() -> dict[str, list[tuple[str, str]]]:
    """{list path: [(query parameter, its schema type)]} from the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for path in _api_list_paths():
        params = schema["paths"][path]["get"].get("parameters", [])
        found[path] = [(p["name"], p.get("schema", {}).get("type", "string")) for p in params if p["in"] == "query"]
    return found


@pytest.mark.django_db
def test_garbage_in_every_filter_of_every_api_list(client_for, controller, data):
    client = client_for(controller)
    filters = _api_list_filters()
    assert sum(len(v) for v in filters.values()) >= 40, "the schema should declare the lists' filters"
    problems = []
    for path, params in filters.items():
        for name, _kind in params:
            for value in [*IDS, *PAYLOADS]:
                response = client.get(path, {name: value})
                if response.status_code >= 500:
                    problems.append(f"{path}?{name}={value!r}: {response.status_code}")
                elif response.status_code not in (200, 400, 404):
                    problems.append(f"{path}?{name}={value!r}: {response.status_code}")
                elif not response["Content-Type"].startswith("application/json"):
                    problems.append(f"{path}?{name}: answers {response['Content-Type']}")
    assert problems == []
