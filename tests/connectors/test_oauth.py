"""OAuth2 client credentials against the sandbox ERP's real token endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.base import OutboundRequest
from apps.connectors.choices import AuthState
from apps.connectors.crypto import decrypt_json
from apps.connectors.errors import AuthorisationError
from apps.connectors.models import ConnectorToken
from apps.sandbox.models import SandboxClient, SandboxToken
from tests.sandbox.support import oauth_credentials, run_threads

JOURNAL = {"legal_entity": "DE01", "document_number": "JE-1", "posting_date": "2026-11-20",
           "lines": [{"account": "6100", "cost_center": "CC400", "currency": "EUR", "amount": "100.00",
                      "side": "debit"},
                     {"account": "2000", "currency": "EUR", "amount": "100.00", "side": "credit"}]}


@pytest.fixture
def erp(sandbox, make_connector):
    return make_connector("sap_s4", base_url=f"{sandbox.url}/erp", credentials=oauth_credentials("erp"))


def _post(adapter, key: str):
    return adapter.deliver(OutboundRequest(object_type="journal_entry", payload={**JOURNAL, "document_number": key},
                                           idempotency_key=key, correlation_id=f"corr-{key}"))


def test_token_is_cached_encrypted_and_reused(sandbox, erp):
    adapter = get_adapter(erp)
    _post(adapter, "k1")
    _post(get_adapter(erp), "k2")  # a new adapter instance (another task) reuses the stored token
    token = ConnectorToken.objects.get(connector=erp)
    assert token.refresh_count == 1
    assert sandbox.stats("erp")["tokens_issued"] == 1
    assert sandbox.stats("erp")["postings"] == 2
    issued = SandboxToken.objects.get()
    assert issued.token not in token.token_encrypted  # encrypted at rest
    assert decrypt_json(token.token_encrypted) == {"access_token": issued.token}


def test_token_is_refreshed_before_it_expires(sandbox, erp):
    adapter = get_adapter(erp)
    _post(adapter, "k1")
    # 30 s left is inside the 60 s margin: the next call refreshes first instead of risking a 401 mid-flight.
    ConnectorToken.objects.filter(connector=erp).update(expires_at=timezone.now() + timedelta(seconds=30))
    _post(adapter, "k2")
    assert ConnectorToken.objects.get(connector=erp).refresh_count == 2
    assert sandbox.stats("erp")["tokens_issued"] == 2
    # 90 s left is outside the margin: used as it is.
    ConnectorToken.objects.filter(connector=erp).update(expires_at=timezone.now() + timedelta(seconds=90))
    _post(adapter, "k3")
    assert ConnectorToken.objects.get(connector=erp).refresh_count == 2
    assert sandbox.stats("erp") == {"postings": 3, "duplicates_refused": 0, "suppliers": 0,
                                    "payment_status_updates": 0, "tokens_issued": 2}


@pytest.mark.parametrize("stale", [False, True], ids=["no-token-yet", "expired-token"])
def test_ten_threads_needing_a_token_cause_exactly_one_refresh(sandbox, erp, stale):
    if stale:
        get_adapter(erp).auth.access_token()
        ConnectorToken.objects.filter(connector=erp).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = sandbox.stats("erp")["tokens_issued"]

    tokens = run_threads(10, lambda i: get_adapter(erp).auth.access_token())

    assert len(set(tokens)) == 1
    assert sandbox.stats("erp")["tokens_issued"] == before + 1
    assert ConnectorToken.objects.get(connector=erp).refresh_count == (2 if stale else 1)
    assert SandboxToken.objects.filter(revoked=False).latest("issued_at").token == tokens[0]


def test_401_refreshes_once_and_retries_once(sandbox, erp):
    adapter = get_adapter(erp)
    _post(adapter, "k1")
    SandboxToken.objects.update(revoked=True)  # the ERP invalidated the token before it expired

    result = _post(adapter, "k2")

    assert result.duplicate is False
    assert ConnectorToken.objects.get(connector=erp).refresh_count == 2
    assert sandbox.stats("erp")["tokens_issued"] == 2
    assert sandbox.stats("erp")["postings"] == 2
    erp.refresh_from_db()
    assert erp.auth_state == AuthState.OK


def test_revoked_credentials_raise_authorisation_error_and_ask_for_reauthorisation(sandbox, erp):
    adapter = get_adapter(erp)
    _post(adapter, "k1")
    SandboxClient.objects.filter(system="erp").update(active=False)  # credentials revoked: old tokens die too

    with pytest.raises(AuthorisationError) as caught:
        _post(adapter, "k2")

    assert caught.value.status == 401
    erp.refresh_from_db()
    assert erp.auth_state == AuthState.REAUTHORISE
    assert "refused the credentials" in erp.last_error
    assert sandbox.stats("erp")["postings"] == 1
    assert sandbox.stats("erp")["tokens_issued"] == 1  # the refusal issued nothing


def test_wrong_secret_on_first_use_asks_for_reauthorisation(sandbox, make_connector):
    connector = make_connector("sap_s4", base_url=f"{sandbox.url}/erp",
                               credentials={"client_id": "finsync-erp", "client_secret": "wrong"})
    with pytest.raises(AuthorisationError):
        get_adapter(connector).check()
    connector.refresh_from_db()
    assert connector.auth_state == AuthState.REAUTHORISE
    assert ConnectorToken.objects.get(connector=connector).refresh_count == 0
