"""A real browser logs in as each demo role and sees the home page (screenshots kept as artifacts)."""

import pytest

from apps.demo.services import demo_seed
from tests.browser import screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "finsync-demo"


@pytest.mark.parametrize(("username", "role_label", "entities"), [
    ("controller", "Controller", ["DE01", "GB01", "NL01"]),
    ("treasury", "Treasury operations", ["DE01", "GB01", "NL01", "US01"]),
    ("integration", "Integration admin", ["DE01", "GB01", "NL01", "US01"]),
    ("auditor", "Auditor (read-only)", ["DE01", "GB01", "NL01", "US01"]),
    ("admin", "System admin", ["DE01", "GB01", "NL01", "US01"]),
    ("controller_us", "Controller", ["US01"]),
])
def test_each_role_logs_in_and_sees_the_home_page(page, live_server, login, username, role_label, entities):
    demo_seed()

    login(page, username, DEMO_PASSWORD)

    assert page.title() == "Home · FinSync"
    assert role_label in page.inner_text(".userbox")
    shown = [h.split()[0] for h in page.locator(".entity-card h2").all_inner_texts()]
    assert shown == entities
    page.screenshot(path=str(screenshot_path(f"home-{username}")), full_page=True)


def test_wrong_password_is_refused_with_a_message(page, live_server):
    demo_seed()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "controller")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")

    assert "did not match" in page.inner_text(".login-card")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
