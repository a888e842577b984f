"""The top navigation: a few menus (<details>, no script needed) that together hold every page's link, each
entry only for the roles that may use it, a menu with one entry shown as that link, the current page marked."""

import pytest
from django.urls import reverse
from lxml import html

from apps.access.context_processors import NAV
from apps.access.roles import Role
from apps.access.services import user_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _nav(client, path: str = "/jobs/"):
    response = client.get(path)
    assert response.status_code == 200
    return html.fromstring(response.content).xpath("//nav[@aria-label='Main']")[0]


def _menus(nav) -> dict[str, list[str]]:
    return {d.xpath("./summary")[0].text_content(): [a.text_content() for a in d.xpath(".//a")]
            for d in nav.xpath("./details")}


def _direct_links(nav) -> list[str]:
    return [a.text_content() for a in nav.xpath("./a")]


def test_every_page_of_the_nav_is_reachable_by_someone_with_every_role(client_for, entity_de):
    everyone = user_create(username="all", password=PASSWORD, roles=list(Role), entities=[entity_de])

    nav = _nav(client_for(everyone))

    assert _menus(nav) == {
        "Work": ["Workbench", "Dashboards", "Close", "My jobs"],
        "Bank & cash": ["Statements", "Bank files"],
        "Controls": ["Controls", "SLAs"],
        "Configuration": ["Connectors", "Mappings", "Catalog", "API tokens", "API", "Admin"],
    }
    assert _direct_links(nav) == ["Home", "Audit trail"]  # the Audit menu has one entry: it is that link
    hrefs = {a.get("href") for a in nav.xpath(".//a")}
    assert hrefs == {"/"} | {reverse(name) for _, entries in NAV for _, name, _ in entries}


def test_entries_follow_the_role_and_a_menu_of_one_is_a_link(client_for, controller, treasury_operator):
    controller_nav = _nav(client_for(controller))
    assert "Bank & cash" not in _menus(controller_nav)  # a controller may not import bank files...
    assert "Statements" in _direct_links(controller_nav)  # ...so Statements stands alone
    assert controller_nav.xpath(".//a[@href='/bank/upload/']") == []

    operator_menus = _menus(_nav(client_for(treasury_operator)))
    assert operator_menus["Bank & cash"] == ["Statements", "Bank files"]


def test_the_menu_of_the_current_page_is_marked(client_for, controller):
    nav = _nav(client_for(controller), reverse("sla:list"))

    current = nav.xpath("./details[contains(@class, 'current')]")
    assert [d.xpath("./summary")[0].text_content() for d in current] == ["Controls"]
    assert [a.text_content() for a in nav.xpath(".//a[@aria-current='page']")] == ["SLAs"]
    assert current[0].get("open") is None  # marked, not opened: it would cover the page
