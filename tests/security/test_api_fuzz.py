"""schemathesis against the OpenAPI schema, in-process over WSGI with a token-authenticated system admin:
no operation answers 5xx, and every response conforms to the schema. Few examples per operation so the
run takes minutes; the Hypothesis database remembers failures between runs."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from apps.access.roles import Capability, Role
from apps.access.services import api_token_create, user_create
from apps.masterdata.models import LegalEntity

from ..conftest import PASSWORD


def _raw_schema() -> dict:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _operations() -> list[tuple[str, str]]:
    # The sandbox stands in for external systems in demo mode; it is not the product's API.
    return [(path, method.upper()) for path, item in _raw_schema()["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete"} and not path.startswith("/api/v1/sandbox/")]


@pytest.fixture(scope="module")
def api_schema():
    schema = schemathesis.openapi.from_dict(_raw_schema())
    schema.app = WSGIHandler()
    return schema


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: the in-process WSGI calls must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db):
    entity = LegalEntity.objects.create(code="DE01", name="Nordwind GmbH", country="DE", functional_currency="EUR",
                                        time_zone="Europe/Berlin")
    admin = user_create(username="fuzz-admin", password=PASSWORD, roles=[Role.SYSTEM_ADMIN, Role.CONTROLLER,
                                                                        Role.TREASURY_OPS, Role.INTEGRATION_ADMIN],
                        entities=[entity])
    _, raw = api_token_create(actor=admin, name="schemathesis", capabilities=list(Capability.values),
                              legal_entities=[entity], expires_in_days=1)
    return raw


@pytest.mark.parametrize(("path", "method"), _operations(), ids=lambda v: str(v))
def test_api_answers_without_5xx_and_as_the_schema_says(api_schema, admin_token, path, method):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"},
                               checks=[not_a_server_error, response_schema_conformance])

    call()
