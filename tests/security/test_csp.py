"""Content-Security-Policy and clickjacking: headers on every page, templates that need no inline code,
and a real Chromium crawl of every page with the policy on, asserting no violation in the console."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from apps.demo.services import demo_seed
from apps.exceptions.services import exception_raise
from apps.masterdata.models import LegalEntity
from tests.browser import screenshot_path

from .pages import page_routes

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "apps").glob("*/templates"))]
INLINE = {
    "inline <script> (move it to static/js)": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")",
                                                        re.I),
    "inline event handler (bind it in static/js)": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style attribute (use a class in static/css)": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "<style> element (use static/css)": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _templates():
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html"))


def test_templates_need_no_inline_code():
    offenders = [f"{path.relative_to(ROOT)}: {what}" for path in _templates()
                 for what, pattern in INLINE.items() if pattern.search(path.read_text())]
    assert len(_templates()) > 10
    assert offenders == []


@pytest.mark.django_db
def test_every_page_sends_the_policy_and_refuses_framing(client_for, controller):
    client = client_for(controller)
    plain = [name for _, name, has_args in page_routes() if not has_args]
    assert "token-list" in plain

    for name in plain:
        response = client.get(reverse(name))
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, name
        assert "style-src 'self'" in policy, name
        assert "frame-ancestors 'none'" in policy, name
        assert "unsafe-inline" not in policy, name
        assert "unsafe-eval" not in policy, name
        assert response["X-Frame-Options"] == "DENY", name


@pytest.mark.django_db
def test_login_page_and_api_send_the_policy_too(client):
    assert "default-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in client.get("/api/v1/exceptions/")["Content-Security-Policy"]


def _crawl(page, base: str, start: list[str], limit_per_route: int = 1, limit: int = 80) -> dict[str, list[str]]:
    """Visit start pages and the same-site links they show; return {url: [CSP violations]}.

    Each URL route is visited at most `limit_per_route` times (one exception detail stands for all), so the
    crawl covers every kind of page without walking every row.
    """
    violations: dict[str, list[str]] = {}
    current = {"url": ""}

    def on_console(msg):
        if msg.type == "error" and "Content Security Policy" in msg.text:
            violations.setdefault(current["url"], []).append(msg.text)

    page.on("console", on_console)
    # Product pages first (breadth-first); the admin's many forms only with what is left of the budget.
    product, admin, seen, per_route = [p for p in start if not p.startswith("/admin/")], ["/admin/"], set(), {}
    while (product or admin) and len(seen) < limit:
        path = (product or admin).pop(0)
        if path in seen:
            continue
        try:
            route = resolve(urlsplit(path).path).route
        except Resolver404:
            continue
        if per_route.get(route, 0) >= limit_per_route or route.startswith(("accounts/logout", "api/", "sandbox/")):
            continue
        per_route[route] = per_route.get(route, 0) + 1
        seen.add(path)
        current["url"] = path
        probe = page.request.get(f"{base}{path}")
        if probe.status in (404, 405):  # POST-only URLs (bulk actions) and links to rows that are gone
            continue
        if not probe.headers.get("content-type", "").startswith("text/html"):  # downloads (CSV, XML)
            continue
        response = page.goto(f"{base}{path}")
        assert response is not None
        assert response.status < 500, path
        try:  # lazy widgets load after the page; pages that poll or hold a socket never go idle
            page.wait_for_load_state("networkidle", timeout=4000)
        except PlaywrightTimeout:
            pass
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            if href.startswith("/") and not href.startswith("//") and href not in seen:
                (admin if href.startswith("/admin/") else product).append(href)
    page.remove_listener("console", on_console)
    return {"visited": sorted(seen), "violations": violations}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["admin", "controller"])
def test_every_page_in_chromium_has_no_csp_violation(page, live_server, login, username):
    demo_seed()
    de = LegalEntity.objects.get(code="DE01")
    for reference in ("INV-<script>alert(1)</script>", "JE-4711"):
        exception_raise(kind="invoice.duplicate", message=f"Invoice {reference} already exists",
                        reference=reference, legal_entity=de, record_type="invoice")
    login(page, username, "finsync-demo")
    start = [reverse(name) for _, name, has_args in page_routes() if not has_args] + ["/api/v1/docs/"]

    result = _crawl(page, live_server.url, start)

    assert result["violations"] == {}, "\n".join(f"{url}: {texts[0]}" for url, texts in result["violations"].items())
    visited_routes = {resolve(urlsplit(p).path).route for p in result["visited"]}
    expected = {route for route, _, has_args in page_routes() if not has_args}
    assert expected <= visited_routes
    assert "workbench/<int:pk>/" in visited_routes  # details were reached through the lists' links
    page.goto(f"{live_server.url}/accounts/tokens/")
    page.screenshot(path=str(screenshot_path(f"api-tokens-{username}")), full_page=True)
