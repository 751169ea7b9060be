"""Seasonal packages in a real browser: at the counter a volunteer checks a family in by
its card, hands out a Sinterklaas package from the household panel, and a second package
for the same child — from a panel opened before the first was handed out, as at a second
counter — is refused with a Dutch message naming the child and the action.

The data is built here with the factories and the services (not the demo)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.browser.test_counter_journeys import check_in, open_counter
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening import conftest as counter_data
from tests.uitlening.test_seasonal import born
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance, book
from toegang.models import Program
from uitlening import services
from uitlening.models import SeasonalAction, SeasonalPackage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

stock_keeper = counter_data.stock_keeper


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


@pytest.fixture
def counter_volunteer(point):
    return UserFactory(username="balie", role=Role.VOLUNTEER, locations=[point])


@pytest.fixture
def sinterklaas(point, stock_keeper):
    today = timezone.localdate()
    program = Program.objects.create(
        name="Sinterklaasactie", kind=Program.Kind.SEASONAL, accepts_uitpas=False
    )
    chocolate = ProductFactory(
        name="Chocoladeletter", pack_size=1, category=CategoryFactory(name="Snoep")
    )
    book(stock_keeper, point, (chocolate, 20))
    action = services.create_action(
        actor=stock_keeper,
        name="Sinterklaas",
        kind=SeasonalAction.Kind.SINTERKLAAS,
        program=program,
        action_date=today,
        handout_from=today,
        handout_until=today + dt.timedelta(days=5),
        points=[point],
    )
    band = services.add_age_band(
        actor=stock_keeper, action=action, label="0–11 jaar", age_from=0, age_to=11
    )
    services.set_package_line(actor=stock_keeper, band=band, product=chocolate, packs=2)
    household = HouseholdFactory(children=[born(14, today), born(50, today)])
    ReferralFactory(household=household, programs=[program])
    return action, household, chocolate


def test_a_sinterklaas_package_is_handed_out_and_refused_a_second_time(
    page, point, counter_volunteer, sinterklaas
):
    action, household, chocolate = sinterklaas
    baby = household.children.order_by("-birth_year", "-birth_month").first()
    open_counter(page, counter_volunteer, point)
    check_in(page, household)
    panel = page.locator("#scan-results [data-seasonal-panel]").first
    expect(panel.locator("[data-seasonal-child]")).to_have_count(2)
    screenshot(page, "seasonal-1-panel")

    # A second counter opens the same family and hands the baby's package out.
    other = page.context.new_page()
    other.base_url = page.base_url
    other.goto(f"{page.base_url}/balie/{point.pk}/")
    other.wait_for_selector("[data-scan-input]")
    check_in(other, household)
    other_panel = other.locator("#scan-results [data-seasonal-panel]").first
    other_panel.locator(f'[data-hand-out-child="{baby.pk}"]').click()
    expect(other.locator("#scan-results [data-seasonal-message]")).to_contain_text("Afgegeven")
    expect(other.locator(f'[data-seasonal-child="{baby.pk}"][data-served]').first).to_be_visible()
    other.close()

    # The first counter still shows the button: the server refuses, naming child and action.
    panel.locator(f'[data-hand-out-child="{baby.pk}"]').click()
    refusal = page.locator("#scan-results [data-seasonal-message]")
    expect(refusal).to_contain_text(f"kind geboren {baby.birth_month:02d}/{baby.birth_year}")
    expect(refusal).to_contain_text("Sinterklaas")
    expect(panel.locator(f'[data-seasonal-child="{baby.pk}"]')).to_have_attribute("data-served", "")
    screenshot(page, "seasonal-2-refused")

    assert SeasonalPackage.objects.filter(action=action, child=baby).count() == 1
    assert balance(chocolate, point) == 18
    assert page.console_errors == []
