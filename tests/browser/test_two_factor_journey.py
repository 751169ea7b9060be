"""In a real browser, with TWO_FACTOR_REQUIRED on as in production: a coordinator logs in
with their password, is sent to set up two-step verification, reads the key from the
page (as a phone would from the QR code), types the code their app would show, keeps the
recovery codes and lands on the dashboard."""

from __future__ import annotations

import base64

import pytest
from django.apps import apps as django_apps
from django_otp.oath import totp
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_enrols_types_the_code_and_lands_on_the_dashboard(page, settings):
    settings.TWO_FACTOR_REQUIRED = True
    sync_role_groups(django_apps)
    UserFactory(username="karim", role=Role.COORDINATOR)

    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill("karim")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()

    page.wait_for_url("**/account/tweestapsverificatie/instellen/**")
    expect(page.get_by_role("heading", name="Tweestapsverificatie instellen")).to_be_visible()
    qr = page.locator("img[data-two-factor-qr]")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("image => image.naturalWidth") > 0  # the CSP let it load
    assert page.locator(".mainnav a").count() == 0  # nothing else to reach yet
    screenshot(page, "two-factor-enrol")

    secret = page.locator("[data-two-factor-secret]").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bevestigen").click()

    expect(page.get_by_role("heading", name="Herstelcodes")).to_be_visible()
    assert page.locator("[data-recovery-codes] li").count() == 10
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="Verder").click()

    page.wait_for_url(page.base_url + "/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert "Rapporten" in page.locator(".mainnav a").all_inner_texts()
    assert page.console_errors == []
