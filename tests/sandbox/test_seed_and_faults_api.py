"""The sandbox's seed (deterministic, idempotent) and the fault-injection API (configure capability only)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.sandbox.models import BankFile, CoupaObject, ErpPayment, FaultProfile, SandboxClient, TreasuryObject
from apps.sandbox.services import sandbox_seed
from tests.conftest import PASSWORD

DAY = date(2026, 11, 26)
MODELS = (CoupaObject, TreasuryObject, ErpPayment, BankFile, FaultProfile, SandboxClient)


def _snapshot() -> dict:
    fields = {CoupaObject: ("resource", "coupa_id", "created_at", "updated_at", "data"),
              TreasuryObject: ("resource", "uuid", "updated_at", "data"),
              ErpPayment: ("reference", "company_code", "supplier_name", "amount", "currency"),
              BankFile: ("kind", "format", "filename", "content"), FaultProfile: ("system", "seed"),
              SandboxClient: ("system", "client_id", "client_secret")}
    return {m.__name__: sorted(map(repr, m.objects.values_list(*fields[m]))) for m in MODELS}


def _wipe() -> None:
    for model in MODELS:
        model.objects.all().delete()


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_a_second_run_creates_nothing():
    created = sandbox_seed(seed=7, today=DAY)
    assert created == {"FaultProfile": 4, "SandboxClient": 4, "CoupaObject": created["CoupaObject"],
                       "TreasuryObject": 80, "ErpPayment": 40, "BankFile": 16}
    assert CoupaObject.objects.filter(resource="suppliers").count() == 30
    first = _snapshot()
    assert sandbox_seed(seed=7, today=DAY) == {}  # idempotent

    _wipe()
    sandbox_seed(seed=7, today=DAY)
    assert _snapshot() == first

    _wipe()
    sandbox_seed(seed=8, today=DAY)
    other = _snapshot()
    assert other["CoupaObject"] != first["CoupaObject"]
    assert other["BankFile"] != first["BankFile"]


@pytest.mark.django_db
def test_seed_command_is_idempotent(capsys):
    call_command("seed_sandbox", "--seed", "5")
    assert "sandbox seeded (5): " in capsys.readouterr().out
    call_command("seed_sandbox", "--seed", "5")
    assert capsys.readouterr().out.strip() == "sandbox seeded (5): nothing new"


@pytest.fixture
def integration_admin(entity_de):
    """An integration admin of the German entity only: faults are not entity data, so that is enough."""
    return user_create(username="ines", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def faults(db):
    sandbox_seed(seed=1, today=DAY)
    return FaultProfile.objects.get(system="erp")


URL = "/api/v1/sandbox/faults/"


@pytest.mark.django_db
def test_integration_admin_changes_faults_and_the_change_is_audited(client_for, integration_admin, faults):
    api = client_for(integration_admin)
    listed = api.get(URL)
    assert listed.status_code == 200
    assert [row["system"] for row in listed.json()["results"]] == ["bank", "coupa", "erp", "treasury"]

    response = api.patch(f"{URL}erp/", {"error_rate": "0.25", "latency_ms": 40, "rate_limit_rate": "0.1",
                                        "retry_after_seconds": 9}, content_type="application/json")

    assert response.status_code == 200, response.content
    faults.refresh_from_db()
    assert (str(faults.error_rate), faults.latency_ms, str(faults.rate_limit_rate), faults.retry_after_seconds) == (
        "0.2500", 40, "0.1000", 9)
    event = AuditEvent.objects.get(action="sandbox.faults_changed")
    assert event.actor == integration_admin
    assert event.before["error_rate"] == "0.0000"
    assert event.after["error_rate"] == "0.2500"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["controller", "treasury_operator", "auditor", "outsider"])
def test_users_without_configure_can_neither_read_nor_change_faults(request, client_for, faults, persona):
    api = client_for(request.getfixturevalue(persona))
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}erp/").status_code == 403
    assert api.patch(f"{URL}erp/", {"error_rate": "1"}, content_type="application/json").status_code == 403
    faults.refresh_from_db()
    assert faults.error_rate == 0
    assert not AuditEvent.objects.filter(action="sandbox.faults_changed").exists()


@pytest.mark.django_db
def test_anonymous_callers_are_refused(client, faults):
    # 401 with a Bearer challenge: the API accepts machine tokens (apps/access/tokens)
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.patch(f"{URL}erp/", {"error_rate": "1"}, content_type="application/json").status_code == 401
    faults.refresh_from_db()
    assert faults.error_rate == 0


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{"error_rate": "1.5"}, {"malformed_rate": "-0.1"},
                                    {"outage_from": "2026-11-26T10:00:00Z", "outage_until": "2026-11-26T09:00:00Z"}])
def test_invalid_fault_settings_are_refused(client_for, integration_admin, faults, change):
    response = client_for(integration_admin).patch(f"{URL}erp/", change, content_type="application/json")
    assert response.status_code == 400
    faults.refresh_from_db()
    assert (faults.error_rate, faults.malformed_rate, faults.outage_from) == (0, 0, None)
