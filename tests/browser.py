"""Headless Chromium for page tests (Playwright driving the system's Chromium when present).

FINSYNC_CHROMIUM names the browser binary (default /usr/bin/chromium); without it Playwright's own
browser is tried. No browser at all skips the page tests with the reason shown, unless
FINSYNC_REQUIRE_BROWSER=1 (as in CI), which makes it a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("FINSYNC_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    configured = os.environ.get("FINSYNC_CHROMIUM", "/usr/bin/chromium")
    return configured if Path(configured).exists() else None


def launch(playwright):
    executable = chromium_path()
    try:
        return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser here"
        reason = f"no usable Chromium (FINSYNC_CHROMIUM={executable or 'unset'}; Playwright: {exc.__class__.__name__})"
        if os.environ.get("FINSYNC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} and FINSYNC_REQUIRE_BROWSER=1")
        pytest.skip(reason)
        raise


def screenshot_path(name: str) -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def nav_go(page, label: str) -> None:
    """Follow a main-navigation link as a person does: open the menu that holds it first (templates/base.html)."""
    nav = page.locator("nav.mainnav")
    link = nav.get_by_role("link", name=label, exact=True)
    # `has` is matched inside each menu; a closed menu's links are hidden, which get_by_role skips by default.
    menu = nav.locator("details.navmenu", has=page.get_by_role("link", name=label, exact=True, include_hidden=True))
    if menu.count():
        menu.locator("summary").click()
    link.click()
