"""The shared maker-checker POST of the version pages (apps/governance/views.py), through the mapping pages:
the posted decision runs the service as the signed-in user, audits the client address, and says what happened;
a decision the page does not offer changes nothing."""

import pytest
from django.contrib.messages import get_messages

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.governance.choices import VersionStatus
from apps.mappings.models import Mapping, MappingVersion
from apps.masterdata.models import SourceSystem
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(entity_de):
    return [user_create(username=name, password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])
            for name in ("ida", "ivo")]


@pytest.fixture
def draft():
    system = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    mapping = Mapping.objects.create(source_system=system, object_type="invoice", canonical_type="supplier_invoice")
    return MappingVersion.objects.create(mapping=mapping, number=1, spec={"fields": {"number": {"from": "number"}}},
                                         change_note="Map the invoice number")


def _post(client, version, **data):
    """POST a decision and follow the redirect to the version page, which shows (and so uses up) the messages."""
    response = client.post(f"/mappings/versions/{version.pk}/", data, REMOTE_ADDR="203.0.113.7", follow=True)
    return response, [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_propose_then_approve_by_another_person(client_for, admins, draft):
    maker, checker = admins

    response, said = _post(client_for(maker), draft, decision="propose", note="Map the invoice number")
    assert response.redirect_chain == [(f"/mappings/versions/{draft.pk}/", 302)]
    assert said == [("success", f"{MappingVersion.objects.get()} proposed: someone else must approve it before it "
                                "runs.")]

    _, said = _post(client_for(checker), draft, decision="approve", note="Checked")
    approved = MappingVersion.objects.get()
    assert (approved.status, approved.reviewed_by) == (VersionStatus.APPROVED, checker)
    assert said == [("success", f"{approved} approved: it runs from {approved.effective_from:%Y-%m-%d %H:%M} UTC.")]
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_label", "ip_address")) == [
        ("mappings.mappingversion.proposed", "ida", "203.0.113.7"),
        ("mappings.mappingversion.approved", "ivo", "203.0.113.7")]


def test_the_proposer_withdraws_and_cannot_approve_their_own(client_for, admins, draft):
    maker, _ = admins
    client = client_for(maker)
    _post(client, draft, decision="propose", note="Map the invoice number")

    _, said = _post(client, draft, decision="approve", note="self")
    [(level, text)] = said
    assert level == "error"
    assert "segregation of duties" in text
    assert MappingVersion.objects.get().status == VersionStatus.PROPOSED

    _, said = _post(client, draft, decision="withdraw")
    assert MappingVersion.objects.get().status == VersionStatus.DRAFT
    assert said == [("success", f"{MappingVersion.objects.get()} is a draft again; propose a corrected version.")]


def test_a_decision_the_page_does_not_offer_changes_nothing(client_for, admins, draft):
    _, said = _post(client_for(admins[0]), draft, decision="retire")

    assert said == [("error", "Choose propose, withdraw, approve or reject.")]
    assert MappingVersion.objects.get().status == VersionStatus.DRAFT
    assert not AuditEvent.objects.exists()
