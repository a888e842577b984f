"""Sign-in throttling per username and address, on the product's login page and the admin's."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.access.login import login_failures_clear
from apps.audit.models import AuditEvent

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_counters(controller):
    for ip in ("127.0.0.1", "10.0.0.9"):
        login_failures_clear(username=controller.username, ip_address=ip)
    yield
    for ip in ("127.0.0.1", "10.0.0.9"):
        login_failures_clear(username=controller.username, ip_address=ip)


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_failed_sign_ins_lock_out_the_username_from_that_address(controller, fresh_counters, settings, login_url):
    settings.FINSYNC_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        wrong = client.post(login_url, {"username": "clara", "password": "wrong"})
        assert wrong.status_code == 200
        assert "_auth_user_id" not in client.session

    locked = client.post(login_url, {"username": "clara", "password": PASSWORD})

    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Too many failed sign-ins for this username from your address" in locked.content
    locks = AuditEvent.objects.filter(action="auth.login_locked", actor_label="clara", ip_address="127.0.0.1")
    assert locks.count() == 1
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    elsewhere.post(login_url, {"username": "clara", "password": PASSWORD})
    assert elsewhere.session["_auth_user_id"] == str(controller.pk)


def test_a_successful_sign_in_clears_the_count(controller, fresh_counters, settings):
    settings.FINSYNC_LOGIN_MAX_FAILURES = 2
    client = Client()
    client.post("/accounts/login/", {"username": "clara", "password": "wrong"})
    client.post("/accounts/login/", {"username": "clara", "password": PASSWORD})
    client.logout()

    client.post("/accounts/login/", {"username": "clara", "password": "wrong"})
    again = client.post("/accounts/login/", {"username": "clara", "password": PASSWORD})

    assert again.status_code == 302
    assert client.session["_auth_user_id"] == str(controller.pk)


def test_wrong_password_message_is_shown(controller, fresh_counters):
    response = Client().post("/accounts/login/", {"username": "clara", "password": "wrong"})

    assert b"Your username and password did not match" in response.content
