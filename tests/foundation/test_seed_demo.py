"""Demo data: rich enough for every page, and idempotent."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from apps.access.roles import Role
from apps.demo.services import demo_seed
from apps.ledger.models import AccountingPeriod
from apps.masterdata.models import LegalEntity, Supplier
from apps.procurement.models import GoodsReceipt, PurchaseOrder, SupplierInvoice
from apps.treasury.models import PaymentInstruction

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label not in {"sessions"}}


def test_seed_demo_twice_creates_nothing_new():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _row_counts()
    out2 = StringIO()
    call_command("seed_demo", stdout=out2)

    assert "demo data created" in out.getvalue()
    assert out2.getvalue().strip() == "demo data already present: nothing created"
    assert _row_counts() == first
    assert demo_seed() == {}


def test_seed_demo_gives_every_page_real_data():
    demo_seed()
    entities = LegalEntity.objects.all()
    assert entities.count() >= 3
    assert len({e.country for e in entities}) >= 3
    assert len({e.functional_currency for e in entities}) >= 3
    assert PurchaseOrder.objects.count() >= 200
    assert GoodsReceipt.objects.count() >= 100
    assert SupplierInvoice.objects.count() >= 100
    assert PaymentInstruction.objects.count() >= 50
    assert AccountingPeriod.objects.filter(status="closed").exists()
    # near-duplicate suppliers share a tax id on purpose
    assert Supplier.objects.values("tax_id_normalized").annotate(n=Count("id")).filter(n__gt=1).exists()
    users = get_user_model().objects.all()
    roles_present = {g for u in users for g in u.groups.values_list("name", flat=True)}
    assert roles_present == set(Role.values)


def test_seed_demo_starts_a_running_landscape(settings):
    """Service levels approved by a second person for every flow and entity, and the sandbox connectors polled
    on a schedule, so the demo's dashboards measure something from the first minute."""
    from django.db.models import Q

    from apps.connectors.models import Connector
    from apps.masterdata.models import ExternalId
    from apps.sandbox.models import FaultProfile
    from apps.sla.choices import SlaFlow
    from apps.sla.models import SlaVersion

    settings.FINSYNC_SANDBOX = True
    demo_seed()

    approved = SlaVersion.objects.filter(status="approved").select_related("definition", "proposed_by",
                                                                           "reviewed_by")
    pairs = {(v.definition.flow, v.definition.legal_entity_id) for v in approved}
    assert pairs == {(flow, e.pk) for flow in SlaFlow.values for e in LegalEntity.objects.all()}
    assert all(v.proposed_by_id != v.reviewed_by_id for v in approved)
    polled = Connector.objects.filter(schedule__enabled=True, schedule__task="sync.poll_connector")
    assert set(polled.values_list("code", flat=True)) == {"coupa", "kyriba", "bank-api"}
    faulty = FaultProfile.objects.filter(Q(error_rate__gt=0) | Q(malformed_rate__gt=0) | Q(rate_limit_rate__gt=0))
    assert set(faulty.values_list("system", flat=True)) == {"erp", "coupa", "treasury", "bank"}
    # Coupa's suppliers that the master knows are crosswalked; the new ones and the name variant are not.
    linked = set(ExternalId.objects.filter(system__code="coupa").values_list("external_id", flat=True))
    assert linked == {str(n) for n in range(1, 31)} - {"21", "26", "27", "28", "29", "30"}
