"""A real browser logs in as each demo role and sees the home page (screenshots kept as artifacts)."""

import pytest
from playwright.sync_api import expect

from apps.access.roles import Role
from apps.access.services import user_create
from apps.demo.services import demo_seed
from apps.masterdata.models import LegalEntity
from tests.browser import screenshot_path
from tests.conftest import PASSWORD

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


@pytest.mark.parametrize("width", [1400, 1024])
def test_the_main_menus_fit_one_line_and_work_by_keyboard(browser, live_server, login, width):
    """Someone with every role has the longest navigation: it still fits one line, and its menus open and
    close with the keyboard (Enter on the menu, Tab into it, Escape back) and one at a time."""
    entity = LegalEntity.objects.create(code="DE01", name="Nordwind GmbH", country="DE", functional_currency="EUR",
                                        time_zone="Europe/Berlin")
    user_create(username="everyone", password=PASSWORD, roles=list(Role), entities=[entity])
    page = browser.new_context(viewport={"width": width, "height": 700}).new_page()
    login(page, "everyone")

    assert page.locator("header.topbar").bounding_box()["height"] <= 60  # one line of 52 px, not two
    tops = {round(box["y"]) for box in (s.bounding_box() for s in page.locator("nav.mainnav > *").all())}
    assert len(tops) == 1
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    assert sign_out["x"] + sign_out["width"] <= width  # the user box shortens; it is not pushed off-screen
    page.screenshot(path=str(screenshot_path(f"nav-{width}")))

    configuration = page.locator("nav.mainnav details.navmenu", has_text="Configuration")
    mappings = page.locator("nav.mainnav").get_by_role("link", name="Mappings", exact=True)
    expect(mappings).to_be_hidden()
    configuration.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(mappings).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("nav.mainnav").get_by_role("link", name="Connectors", exact=True)).to_be_focused()
    page.screenshot(path=str(screenshot_path(f"nav-{width}-open")))
    page.keyboard.press("Escape")
    expect(mappings).to_be_hidden()
    expect(configuration.locator("summary")).to_be_focused()

    work = page.locator("nav.mainnav details.navmenu", has_text="Work")
    work.locator("summary").click()
    configuration.locator("summary").click()
    expect(work).not_to_have_attribute("open", "")  # static/js/nav.js keeps one menu open
    mappings.click()
    page.wait_for_url(f"{live_server.url}/mappings/")
    expect(page.locator("nav.mainnav details.current summary")).to_have_text("Configuration")
