"""Governed-mapping fixtures: the pipeline's journal fixtures, and a second approver."""

from __future__ import annotations

import pytest

from apps.access.roles import Role
from apps.mappings.models import Mapping
from tests.conftest import _persona
from tests.sync.conftest import (  # noqa: F401 - fixtures shared with the pipeline tests
    JOURNAL_SPEC,
    event_connector,
    events_system,
    journal_event,
    journal_mapping,
    ledger_de,
)


@pytest.fixture
def admin_ines(entity_de, entity_us):
    """An integration admin: drafts and proposes mappings."""
    return _persona("ines", Role.INTEGRATION_ADMIN, [entity_de, entity_us])


@pytest.fixture
def journal_mapping_empty(events_system):  # noqa: F811 - the imported fixture
    """A mapping with no version yet."""
    return Mapping.objects.create(source_system=events_system, object_type="journal_entry",
                                  canonical_type="journal_entry", description="Ops journal events")
