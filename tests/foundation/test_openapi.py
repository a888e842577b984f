"""The OpenAPI schema generates without warnings and validates (clients and fuzzers rely on it)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_warning_free(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/inbound/{connector}/events" in text
    assert "/api/v1/exceptions/{id}/resolve/" in text
