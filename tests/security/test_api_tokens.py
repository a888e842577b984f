"""API tokens: shown once, stored hashed, scoped to entities and capabilities, revocable, expiring, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.access.models import ApiToken
from apps.access.roles import Capability
from apps.access.services import api_token_create, api_token_revoke
from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.services import exception_raise

pytestmark = pytest.mark.django_db


def _case(entity, reference):
    return exception_raise(kind="invoice.duplicate", message=f"Invoice {reference} already exists",
                           reference=reference, legal_entity=entity, record_type="invoice")


def _token(user, caps=(Capability.VIEW,), entities=None, days=30):
    entities = entities if entities is not None else list(user.entity_memberships.values_list("legal_entity",
                                                                                            flat=True))
    from apps.masterdata.models import LegalEntity

    return api_token_create(actor=user, name="ERP export", capabilities=caps,
                            legal_entities=LegalEntity.objects.filter(id__in=entities), expires_in_days=days)


def test_token_is_shown_once_and_stored_only_as_a_digest(controller):
    token, raw = _token(controller)

    assert raw.startswith(f"fsk_{token.prefix}_")
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in str(stored)
    assert raw.split("_", 2)[2] not in str(stored)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == controller
    assert event.after["capabilities"] == ["view"]
    assert raw.split("_", 2)[2] not in str(event.after)
    assert token.secret_hash not in str(event.after)


def test_token_authenticates_and_sees_only_its_entities(controller, auditor, entity_de, entity_us, token_client):
    de_case, us_case = _case(entity_de, "INV-DE"), _case(entity_us, "INV-US")
    _, raw = _token(auditor, entities=[entity_us.id])  # the auditor sees both; the token only the US

    response = token_client(raw).get("/api/v1/exceptions/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [us_case.pk]
    assert token_client(raw).get(f"/api/v1/exceptions/{de_case.pk}/").status_code == 404
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert token.last_used_ip == "127.0.0.1"


def test_token_never_grants_more_than_its_capabilities(controller, entity_de, token_client):
    case = _case(entity_de, "INV-1")
    _, raw = _token(controller, caps=[Capability.VIEW])

    response = token_client(raw).post(f"/api/v1/exceptions/{case.pk}/claim/")

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.owner_id is None


def test_token_with_the_capability_acts_and_the_action_is_audited_as_its_owner(controller, entity_de, token_client):
    case = _case(entity_de, "INV-1")
    _, raw = _token(controller, caps=[Capability.VIEW, Capability.RESOLVE])

    response = token_client(raw).post(f"/api/v1/exceptions/{case.pk}/claim/")

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.owner == controller


def test_token_loses_what_its_owner_loses(controller, entity_de, token_client):
    _case(entity_de, "INV-1")
    _, raw = _token(controller)
    controller.entity_memberships.all().delete()

    response = token_client(raw).get("/api/v1/exceptions/")

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("header", [
    "Bearer fsk_nothere_secret",
    "Bearer not-a-finsync-token",
    "Bearer",
    "Bearer a b",
])
def test_unknown_or_malformed_tokens_are_refused(controller, client, header):
    _token(controller)

    response = client.get("/api/v1/exceptions/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_wrong_secret_for_a_real_prefix_is_refused(controller, token_client):
    token, raw = _token(controller)

    assert token_client(f"fsk_{token.prefix}_{'x' * 43}").get("/api/v1/exceptions/").status_code == 401
    assert token_client(raw).get("/api/v1/exceptions/").status_code == 200


def test_revoked_and_expired_tokens_are_refused(controller, token_client):
    revoked, revoked_raw = _token(controller)
    expired, expired_raw = _token(controller)
    api_token_revoke(token=revoked, actor=controller, reason="leaked in a ticket")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert token_client(revoked_raw).get("/api/v1/exceptions/").status_code == 401
    assert token_client(expired_raw).get("/api/v1/exceptions/").status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.reason == "leaked in a ticket"
    assert event.actor == controller


def test_a_token_cannot_widen_its_owners_rights(controller, entity_us):
    with pytest.raises(PermissionDenied):
        _token(controller, caps=[Capability.VIEW, Capability.RELEASE_PAYMENTS])
    with pytest.raises(PermissionDenied):
        _token(controller, entities=[entity_us.id])
    with pytest.raises(DomainError):
        _token(controller, caps=[])
    with pytest.raises(DomainError):
        _token(controller, days=0)
    assert ApiToken.objects.count() == 0
    assert not AuditEvent.objects.filter(action="api_token.create").exists()


def test_only_the_owner_or_a_user_manager_revokes(controller, treasury_operator, system_admin):
    token, _ = _token(controller)

    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, actor=treasury_operator)
    token.refresh_from_db()
    assert token.revoked_at is None

    api_token_revoke(token=token, actor=system_admin)
    token.refresh_from_db()
    assert token.revoked_by == system_admin
    with pytest.raises(DomainError):
        api_token_revoke(token=token, actor=controller)


def test_throttled_per_token_and_per_user(controller, token_client, client_for, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "5/min", "token": "2/min", "anon": "100/min"}}
    first, first_raw = _token(controller)
    second, second_raw = _token(controller)
    cache.delete_many([f"throttle_user_{controller.pk}", f"throttle_token_{first.pk}",
                       f"throttle_token_{second.pk}"])

    statuses = [token_client(first_raw).get("/api/v1/exceptions/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the token's own budget is spent ...
    statuses = [token_client(second_raw).get("/api/v1/exceptions/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # ... another token still has its own (and the user had 5)
    browser = client_for(controller).get("/api/v1/exceptions/")
    assert browser.status_code == 429  # the user's 5 are spent across both tokens and the session
    assert int(browser["Retry-After"]) > 0


def test_token_page_creates_shows_once_and_revokes(client_for, controller, entity_de, token_client):
    client = client_for(controller)

    created = client.post("/accounts/tokens/", {"name": "ERP export", "capabilities": ["view"],
                                                "legal_entities": [entity_de.pk], "expires_in_days": 30})

    assert created.status_code == 200
    assert created["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get()
    raw = created.context["created"]["raw"]
    assert raw.encode() in created.content
    listed = client.get("/accounts/tokens/")
    assert raw.encode() not in listed.content
    assert f"fsk_{token.prefix}_".encode() in listed.content
    assert token_client(raw).get("/api/v1/exceptions/").status_code == 200

    revoked = client.post(f"/accounts/tokens/{token.pk}/revoke/", {"reason": "rotated"})

    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == controller
    assert token_client(raw).get("/api/v1/exceptions/").status_code == 401


def test_token_page_offers_only_the_users_own_rights(client_for, auditor):
    page = client_for(auditor).get("/accounts/tokens/")

    offered = {value for value, _ in page.context["form"].fields["capabilities"].choices}
    assert offered == {"view", "view_audit"}
    refused = client_for(auditor).post("/accounts/tokens/", {"name": "x", "capabilities": ["resolve"],
                                                             "legal_entities": [], "expires_in_days": 30})
    assert refused.status_code == 200
    assert ApiToken.objects.count() == 0


def test_other_users_tokens_answer_404_unless_user_manager(client_for, controller, treasury_operator, system_admin):
    token, _ = _token(controller)

    assert client_for(treasury_operator).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert b"ERP export" not in client_for(treasury_operator).get("/accounts/tokens/").content
    assert b"ERP export" in client_for(system_admin).get("/accounts/tokens/").content
    assert client_for(system_admin).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == system_admin
