"""Playwright driving Debian's Chromium (never a downloaded browser) against a live
server. Outside CI the tests skip when Chromium or Playwright is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from kern.demo import DEMO_PASSWORD
from tests.conftest import require_tool

ARTIFACTS = Path(
    os.environ.get(
        "DEELPUNT_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"
    )
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder drives the browser, so ``-m "not browser"`` leaves them
    # all out, also one whose module forgot the mark.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# Playwright's sync API runs an event loop in this thread; the Django ORM calls that the
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    executable = require_tool(
        os.environ.get("DEELPUNT_CHROMIUM", "/usr/bin/chromium"), "apt-get install chromium"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        pytest.skip("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artefact (test-artifacts/, uploaded by CI if it wants)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def demo(transactional_db):
    """The demo data of `make run`, loaded into the live server's database."""
    from io import StringIO

    call_command("load_demo", "--allow-without-debug", stdout=StringIO())


def log_in(page, username: str) -> None:
    """Log in through the login page as a demo account."""
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(page.base_url + "/")
