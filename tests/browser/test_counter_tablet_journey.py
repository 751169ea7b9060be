"""Counter-tablet mode in a real browser: a coordinator switches the tablet to counter
mode for one point, checks a family in by scanning its card at scanner speed, then tries
the stock pages and is refused; leaving counter mode asks to sign in again."""

from __future__ import annotations

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kern.models import AuditEntry
from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.browser.test_counter_journeys import check_in
from tests.factories import PASSWORD, UserFactory
from tests.uitlening import conftest as counter_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

pamperbank = counter_data.pamperbank
babytheek = counter_data.babytheek
fietsbib = counter_data.fietsbib
family = counter_data.family


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


def test_a_coordinator_switches_to_counter_mode_scans_a_card_and_is_refused_stock(
    page, point, family
):
    coordinator = UserFactory(username="coordinator", role=Role.COORDINATOR)
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(coordinator.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(page.base_url + "/")

    page.goto(f"{page.base_url}/balie/{point.pk}/")
    page.get_by_role("link", name="Baliemodus voor deze tablet").click()
    page.get_by_role("button", name="Overschakelen naar baliemodus").click()
    page.wait_for_url(f"{page.base_url}/balie/{point.pk}/")
    page.wait_for_selector("[data-scan-input]")
    banner = page.locator("[data-counter-mode]")
    expect(banner).to_contain_text("Baliemodus — Uitdeelpunt Centrum")
    expect(banner.get_by_role("button")).to_have_text("Baliemodus verlaten (opnieuw aanmelden)")
    # the navigation shows only counter work
    expect(page.locator('[data-nav="voorraad:stock_overview"]')).to_have_count(0)

    check_in(page, family)  # typed at scanner speed, then Enter
    screenshot(page, "counter-tablet-mode")

    refused = page.goto(f"{page.base_url}/voorraad/")
    assert refused is not None and refused.status == 403
    home = page.goto(page.base_url + "/")
    assert home is not None
    assert page.url == f"{page.base_url}/balie/{point.pk}/"

    page.get_by_role("button", name="Baliemodus verlaten (opnieuw aanmelden)").click()
    page.wait_for_url(page.base_url + "/aanmelden/")
    expect(page.get_by_label("Wachtwoord")).to_be_visible()
    assert list(
        AuditEntry.objects.filter(action__startswith="counter_mode").values_list(
            "action", flat=True
        )
    ) == ["counter_mode_end", "counter_mode_start"]
    # the refused stock page is the one error the browser reports
    assert [error for error in page.console_errors if "403" not in error] == []
