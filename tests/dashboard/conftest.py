"""Fixtures for dashboards and SLAs: connectors and pipeline records with chosen receipt and delivery times."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.connectors.models import Connector
from apps.masterdata.models import SourceSystem
from apps.sync.choices import Direction, RecordStatus
from apps.sync.models import SyncRecord


@pytest.fixture
def coupa(db) -> Connector:
    system = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    return Connector.objects.create(code="coupa", name="Coupa procurement", system=system, kind="procurement",
                                    adapter="coupa")


@pytest.fixture
def erp(db) -> Connector:
    system = SourceSystem.objects.create(code="sap", name="SAP S/4HANA", kind="erp")
    return Connector.objects.create(code="sap-s4", name="SAP S/4HANA", system=system, kind="gl", adapter="sap_s4")


@pytest.fixture
def make_record():
    """A pipeline record received at `received` and, unless pending/failed, delivered `latency` later."""
    counter = iter(range(1, 10_000_000))

    def make(*, connector, flow: str, entity, received=None, latency: timedelta | None = timedelta(seconds=30),
             status: str = RecordStatus.DELIVERED, attempts: int = 1, parent=None) -> SyncRecord:
        n = next(counter)
        received = received or timezone.now() - timedelta(hours=1)
        record = SyncRecord.objects.create(
            direction=Direction.OUTBOUND if parent else Direction.INBOUND, connector=connector, flow=flow,
            object_type=flow, external_id=f"X-{n}", payload={"n": n}, content_hash=f"{n:064d}",
            idempotency_key=f"test:{flow}:{n}", legal_entity=entity, status=status, attempt_count=attempts,
            parent=parent)
        delivered = received + latency if status == RecordStatus.DELIVERED and latency is not None else None
        SyncRecord.objects.filter(pk=record.pk).update(created_at=received, delivered_at=delivered)
        record.refresh_from_db()
        return record

    return make


@pytest.fixture
def integration_admin(entity_de, entity_us):
    """Ines configures connectors and SLAs for both entities."""
    from apps.access.roles import Role
    from tests.conftest import _persona

    return _persona("ines", Role.INTEGRATION_ADMIN, [entity_de, entity_us])


@pytest.fixture
def second_admin(entity_de, entity_us):
    """Ivo, a second integration admin: the four eyes that approve Ines's proposals."""
    from apps.access.roles import Role
    from tests.conftest import _persona

    return _persona("ivo", Role.INTEGRATION_ADMIN, [entity_de, entity_us])
