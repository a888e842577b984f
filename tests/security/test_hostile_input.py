"""Hostile strings in every text filter of every page and API list (found through the URL resolver and the
OpenAPI schema): no 5xx, nothing unescaped echoed back; and secrets never appear in any page or response."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from apps.access.roles import Capability
from apps.access.services import api_token_create
from apps.exceptions.services import exception_raise

from .api_ops import schema_operations
from .pages import page_routes

SCRIPT = "<script>alert('x')</script>"
PAYLOADS = [SCRIPT, "' OR '1'='1' --", "%'; DROP TABLE audit_auditevent; --", "\"><img src=x>", "\\x00\u202e"]
INPUT_NAME = re.compile(rb"<(?:input|select|textarea)[^>]*\sname=\"([a-z_]+)\"")


def _page_urls():
    return [reverse(name) for _, name, has_args in page_routes() if not has_args]


def _api_list_paths():
    return sorted({path for method, path in schema_operations() if method == "get" and "{" not in path
                   and not path.startswith(("/api/v1/sandbox/", "/api/v1/schema"))})


@pytest.fixture
def data(entity_de):
    return exception_raise(kind="invoice.duplicate", message=f"Invoice {SCRIPT} already exists",
                           reference=SCRIPT, legal_entity=entity_de, record_type="invoice")


@pytest.mark.django_db
def test_hostile_strings_in_every_page_filter(client_for, controller, data):
    client = client_for(controller)
    problems = []
    for url in _page_urls():
        first = client.get(url)
        if first.status_code != 200 or first.streaming or not first["Content-Type"].startswith("text/html"):
            continue
        names = {n.decode() for n in INPUT_NAME.findall(first.content)} - {"csrfmiddlewaretoken"} | {"q"}
        for payload in PAYLOADS:
            response = client.get(url, {name: payload for name in names})
            if response.streaming:
                continue
            if response.status_code >= 500:
                problems.append(f"{url}: {response.status_code} for {payload!r}")
            elif SCRIPT.encode() in response.content:
                problems.append(f"{url}: echoes an unescaped script")
    assert problems == []


@pytest.mark.django_db
def test_hostile_strings_in_every_api_list_filter(client_for, controller, data):
    client = client_for(controller)
    problems = []
    paths = _api_list_paths()
    assert len(paths) >= 10
    for path in paths:
        for payload in PAYLOADS:
            response = client.get(path, {"q": payload, "search": payload, "reference": payload,
                                         "correlation_id": payload, "kind": payload, "status": payload})
            if response.status_code >= 500:
                problems.append(f"{path}: {response.status_code} for {payload!r}")
            elif response.status_code not in (200, 400, 404):  # 404: a filter naming nothing that exists
                problems.append(f"{path}: {response.status_code}")
    assert problems == []


@pytest.mark.django_db
def test_secrets_never_appear_in_pages_or_api_responses(client_for, controller, entity_de, data):
    token, raw = api_token_create(actor=controller, name="ERP export", capabilities=[Capability.VIEW],
                                  legal_entities=[entity_de], expires_in_days=5)
    secrets = [raw, raw.split("_", 2)[2], token.secret_hash, settings.SECRET_KEY, *settings.FINSYNC_FERNET_KEYS]
    client = client_for(controller)
    leaks = []
    for url in [*_page_urls(), *_api_list_paths(), "/api/v1/schema/", f"/audit/?q={token.prefix}"]:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        leaks += [f"{url} shows a secret" for secret in secrets if secret and secret.encode() in body]
    assert leaks == []
