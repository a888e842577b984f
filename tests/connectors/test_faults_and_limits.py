"""Failures the sandbox injects, as the adapters classify them; and the shared rate limit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.http import parse_retry_after
from apps.connectors.choices import AuthState
from apps.connectors.errors import AuthorisationError, TechnicalError
from apps.sandbox.models import FaultProfile
from apps.sandbox.seed import CLIENTS


@pytest.fixture
def coupa(sandbox, make_connector):
    return make_connector("coupa", base_url=f"{sandbox.url}/coupa", kind="procurement",
                          credentials={"api_key": CLIENTS["coupa"][1]})


def test_429_with_retry_after_becomes_a_technical_error_with_retry_after(coupa):
    FaultProfile.objects.filter(system="coupa").update(rate_limit_rate=1, retry_after_seconds=17)
    with pytest.raises(TechnicalError) as caught:
        get_adapter(coupa).poll("supplier", {})
    assert (caught.value.status, caught.value.retry_after) == (429, 17.0)


def test_outage_window_becomes_a_technical_error(coupa):
    now = timezone.now()
    FaultProfile.objects.filter(system="coupa").update(outage_from=now - timedelta(minutes=1),
                                                        outage_until=now + timedelta(minutes=5), retry_after_seconds=45)
    with pytest.raises(TechnicalError) as caught:
        get_adapter(coupa).poll("supplier", {})
    assert caught.value.status == 503
    assert caught.value.retry_after == 45.0
    FaultProfile.objects.filter(system="coupa").update(outage_until=now - timedelta(seconds=1),
                                                        outage_from=now - timedelta(minutes=2))
    assert len(get_adapter(coupa).poll("supplier", {}).records) == 30  # over: served again


def test_server_errors_and_refused_connections_are_technical(coupa, make_connector):
    FaultProfile.objects.filter(system="coupa").update(error_rate=1)
    with pytest.raises(TechnicalError) as caught:
        get_adapter(coupa).poll("supplier", {})
    assert (caught.value.status, caught.value.retry_after) == (500, None)

    nowhere = make_connector("coupa", base_url="http://127.0.0.1:9/", kind="procurement", credentials={"api_key": "x"})
    with pytest.raises(TechnicalError) as refused:
        get_adapter(nowhere).poll("supplier", {})
    assert refused.value.status is None


def test_wrong_api_key_is_an_authorisation_error(sandbox, make_connector):
    connector = make_connector("coupa", base_url=f"{sandbox.url}/coupa", kind="procurement",
                               credentials={"api_key": "wrong"})
    with pytest.raises(AuthorisationError):
        get_adapter(connector).check()
    connector.refresh_from_db()
    assert connector.auth_state == AuthState.REAUTHORISE


def test_faults_are_deterministic_from_the_seed(coupa):
    FaultProfile.objects.filter(system="coupa").update(error_rate=0.5, seed=3)

    def outcomes() -> list[str]:
        result = []
        for _ in range(12):
            try:
                get_adapter(coupa).check()
                result.append("ok")
            except TechnicalError:
                result.append("500")
        return result

    first = outcomes()
    FaultProfile.objects.filter(system="coupa").update(request_count=0)
    assert outcomes() == first
    assert set(first) == {"ok", "500"}
    FaultProfile.objects.filter(system="coupa").update(request_count=0, seed=4)
    assert outcomes() != first


def test_rate_limit_is_shared_by_every_adapter_of_the_connector(coupa):
    coupa.rate_limit_per_minute = 2
    coupa.settings = {"rate_limit_max_wait": 0}
    coupa.save()
    if time.time() % 60 > 55:  # keep the three calls inside one window
        time.sleep(61 - time.time() % 60)
    get_adapter(coupa).check()
    get_adapter(coupa).check()  # another instance (another worker) spends from the same budget in Redis
    with pytest.raises(TechnicalError) as caught:
        get_adapter(coupa).check()
    assert 0 < caught.value.retry_after <= 60
    assert caught.value.status is None


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after("Thu, 26 Nov 2026 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Thu, 26 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None
