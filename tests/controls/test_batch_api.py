"""The payment batch API: POST /api/v1/payment-batches/ creates a batch through the same service as the batch
form (idempotency key as header or field, entity scoping, roles, plain-words refusals), and release through the
API is refused to the batch's creator and allowed to a second treasurer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.access.roles import Role
from apps.access.services import user_create
from apps.audit.models import AuditEvent
from apps.treasury.models import PaymentBatch, PaymentInstruction
from tests.conftest import PASSWORD
from tests.treasury.factories import company_account, creditor_iban

from .batch_world import DAY

pytestmark = pytest.mark.django_db
URL = "/api/v1/payment-batches/"


@pytest.fixture
def second_treasurer(entity_de):
    return user_create(username="tara", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_de])


@pytest.fixture
def us_treasurer(entity_us):
    return user_create(username="tom", password=PASSWORD, roles=[Role.TREASURY_OPS], entities=[entity_us])


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(debtor, picked=(), **over) -> dict:
    return {"debtor_account": debtor.pk, "requested_execution_date": DAY, "reference": "PAYRUN-API",
            "payments": [p.pk for p in picked], **over}


def test_a_treasurer_creates_a_batch_of_picked_and_typed_payments(treasury_operator, debtor, lyreco, waiting):
    response = api(treasury_operator).post(URL, _body(debtor, [waiting], entered=[
        {"iban": creditor_iban(1), "bic": "PBNKDEFF", "amount": "1250.50", "remittance_info": "INV 4711"}]),
        format="json", HTTP_IDEMPOTENCY_KEY="api-key-1")

    batch = PaymentBatch.objects.get()
    assert response.status_code == 201
    assert (response.json()["id"], response.json()["status"], response.json()["created_by"]) == (
        batch.pk, "pending_release", "theo")
    assert (batch.reference, batch.currency, batch.idempotency_key, batch.debtor_account) == (
        "PAYRUN-API", "EUR", "api-key-1", debtor)
    typed = batch.payments.exclude(pk=waiting.pk).get()
    assert (typed.creditor_iban, typed.amount, typed.remittance_info) == (creditor_iban(1), Decimal("1250.50"),
                                                                           "INV 4711")
    assert sorted(p["amount"] for p in response.json()["payments"]) == ["1250.5000", "480.0000"]
    assert AuditEvent.objects.filter(action="payment_batch.created", object_id=str(batch.pk)).count() == 1


def test_the_same_key_again_answers_with_the_first_batch(treasury_operator, debtor, waiting):
    first = api(treasury_operator).post(URL, _body(debtor, [waiting], idempotency_key="api-key-2"), format="json")
    again = api(treasury_operator).post(URL, _body(debtor, [waiting]), format="json",
                                        HTTP_IDEMPOTENCY_KEY="api-key-2")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert PaymentBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="payment_batch.created").count() == 1


@pytest.mark.parametrize(("over", "header", "field", "words"), [
    ({}, None, "idempotency_key", None),  # no key at all: the service's own words
    ({"idempotency_key": "a"}, "b", "idempotency_key", "differ"),
    ({"requested_execution_date": "2020-01-01"}, "k1", "requested_execution_date", "cannot be in the past"),
    ({"payments": []}, "k2", None, "Pick at least one payment or enter one."),
    ({"entered": [{"iban": "DE00 1234", "amount": "5.00"}]}, "k3", None, "IBAN"),
    ({"entered": [{"iban": creditor_iban(1), "amount": "5.001"}]}, "k4", None, "more decimals than EUR has"),
    ({"entered": [{"iban": creditor_iban(7), "amount": "5.00"}]}, "k5", None, "is not the approved account"),
])
def test_refusals_are_400_in_plain_words_and_create_nothing(treasury_operator, debtor, lyreco, over, header,
                                                            field, words):
    extra = {"HTTP_IDEMPOTENCY_KEY": header} if header else {}
    response = api(treasury_operator).post(URL, _body(debtor, **over), format="json", **extra)

    assert response.status_code == 400
    body = response.json()
    text = str(body[field]) if field and field in body else body.get("detail", str(body))
    assert words is None or words in text, body
    if words is None:
        assert body == {"code": "invalid_key", "detail": "An idempotency key is required."}
    assert (PaymentBatch.objects.count(), PaymentInstruction.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action__startswith="payment").exists()


def test_a_payment_already_in_a_batch_is_refused(treasury_operator, debtor, waiting):
    api(treasury_operator).post(URL, _body(debtor, [waiting]), format="json", HTTP_IDEMPOTENCY_KEY="k6")

    response = api(treasury_operator).post(URL, _body(debtor, [waiting]), format="json", HTTP_IDEMPOTENCY_KEY="k7")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_batch"
    assert waiting.end_to_end_id in response.json()["detail"]
    assert PaymentBatch.objects.count() == 1


def test_another_entitys_account_or_payment_answers_404(us_treasurer, treasury_operator, entity_us, debtor,
                                                        waiting):
    us_account = company_account(entity_us, account_number="1234567", currency="USD", name="USD operating")

    foreign_account = api(us_treasurer).post(URL, _body(debtor), format="json", HTTP_IDEMPOTENCY_KEY="k8")
    foreign_payment = api(us_treasurer).post(URL, _body(us_account, [waiting]), format="json",
                                             HTTP_IDEMPOTENCY_KEY="k9")
    unknown_payment = api(treasury_operator).post(URL, _body(debtor, payments=[waiting.pk + 1000]), format="json",
                                                  HTTP_IDEMPOTENCY_KEY="k10")

    assert (foreign_account.status_code, foreign_payment.status_code, unknown_payment.status_code) == (404, 404, 404)
    assert foreign_account.json() == {"detail": "No such bank account."}
    assert PaymentBatch.objects.count() == 0
    waiting.refresh_from_db()
    assert waiting.batch_id is None


@pytest.mark.parametrize("persona", ["controller", "auditor", "outsider"])
def test_roles_without_release_payments_are_refused_403(request, persona, debtor, waiting):
    user = request.getfixturevalue(persona)

    response = api(user).post(URL, _body(debtor, [waiting]), format="json", HTTP_IDEMPOTENCY_KEY="k11")

    assert response.status_code == 403
    assert PaymentBatch.objects.count() == 0


def test_anonymous_is_refused(debtor, waiting):
    response = APIClient().post(URL, _body(debtor, [waiting]), format="json", HTTP_IDEMPOTENCY_KEY="k12")

    assert response.status_code in (401, 403)
    assert PaymentBatch.objects.count() == 0


def test_the_creator_cannot_release_through_the_api_and_a_second_treasurer_can(treasury_operator, second_treasurer,
                                                                              debtor, waiting):
    created = api(treasury_operator).post(URL, _body(debtor, [waiting]), format="json", HTTP_IDEMPOTENCY_KEY="k13")
    release = f"{URL}{created.json()['id']}/release/"

    refused = api(treasury_operator).post(release, format="json")
    batch = PaymentBatch.objects.get()
    assert refused.status_code == 403
    assert refused.json()["code"] == "four_eyes"
    assert (batch.status, batch.released_by) == ("pending_release", None)

    released = api(second_treasurer).post(release, format="json")

    batch.refresh_from_db()
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["released_by"]) == ("released", "tara")
    assert (batch.status, batch.released_by) == ("released", second_treasurer)
    assert set(batch.payments.values_list("status", flat=True)) == {"approved"}
    assert AuditEvent.objects.filter(action="payment_batch.released", actor=second_treasurer).count() == 1


def test_release_of_another_entitys_batch_answers_404(treasury_operator, us_treasurer, debtor, waiting):
    created = api(treasury_operator).post(URL, _body(debtor, [waiting]), format="json", HTTP_IDEMPOTENCY_KEY="k14")

    response = api(us_treasurer).post(f"{URL}{created.json()['id']}/release/", format="json")

    assert response.status_code == 404
    assert PaymentBatch.objects.get().status == "pending_release"
