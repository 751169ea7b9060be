"""Waitlists in a real browser: a family joins the bike waitlist from its panel at the
counter; the bike is brought back by its borrower and is held for that family; another
family scanning it is refused; the waiting family borrows it. And the public catalogue,
without logging in, at tablet width, read as a family would.

Data from the counter tests' fixtures. Screenshots go to test-artifacts/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.browser.test_counter_journeys import (
    basket_line,
    check_in,
    confirm_button,
    message,
    open_counter,
    scan,
)
from tests.factories import OpeningHoursFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening import conftest as counter_data
from tests.uitlening.factories import LoanFactory
from uitlening.models import Loan, Reservation
from voorraad.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

pamperbank = counter_data.pamperbank
babytheek = counter_data.babytheek
fietsbib = counter_data.fietsbib
family = counter_data.family
other_family = counter_data.other_family
bike_type = counter_data.bike_type
small_bike = counter_data.small_bike


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


@pytest.fixture
def counter_volunteer(point):
    return UserFactory(username="balie", role=Role.VOLUNTEER, locations=[point])


@pytest.fixture
def borrower(fietsbib):
    household = HouseholdFactory(children=[counter_data.months_ago(70)])
    ReferralFactory(household=household, programs=[fietsbib])
    return household


def test_a_family_joins_the_bike_waitlist_the_returned_bike_is_held_for_it_and_refused_to_others(
    page, point, counter_volunteer, family, other_family, borrower, small_bike, fietsbib
):
    LoanFactory(
        item=small_bike, household=borrower, program=fietsbib, location=point, deposit=Decimal("0")
    )
    Item.objects.filter(pk=small_bike.pk).update(status=Item.Status.ON_LOAN)
    open_counter(page, counter_volunteer, point)

    # 1. The family joins the waitlist for a 16" bike from its panel.
    check_in(page, family)
    holds = page.locator("#scan-results [data-panel-holds]").first
    expect(holds.locator("[data-no-reservations]")).to_be_visible()
    holds.locator("select[name=wish]").select_option(label='Kinderfiets 16"')
    holds.locator("[data-join-submit]").click()
    holds = page.locator("#scan-results [data-panel-holds]").first
    expect(holds.locator('[data-status="wachtend"]')).to_contain_text("nummer 1")
    screenshot(page, "holds-1-joined-waitlist")
    reservation = Reservation.objects.get()
    assert (reservation.household, reservation.size) == (family, '16"')

    # 2. The borrower brings the bike back: it is held for the family, not on the shelf.
    check_in(page, borrower)
    scan(page, small_bike.code)
    line = basket_line(page, 0)
    expect(line).to_have_attribute("data-kind", "return")
    line.locator('[data-field="condition"]').fill("goed")
    line.locator('[data-field="condition"]').press("Tab")
    expect(confirm_button(page)).to_be_enabled()
    confirm_button(page).click()
    expect(page.locator("#scan-results [data-scan-outcome=confirmed]")).to_have_count(1)
    small_bike.refresh_from_db()
    assert (small_bike.status, small_bike.held_for) == (Item.Status.RESERVED, family.code)

    # 3. Another family scanning it is refused.
    check_in(page, other_family)
    scan(page, small_bike.code)
    expect(message(page)).to_have_class("counter-message error")
    expect(message(page)).to_contain_text(small_bike.name)
    expect(page.locator("#basket [data-line]")).to_have_count(0)
    screenshot(page, "holds-2-held-bike-refused")

    # 4. The waiting family sees it ready and borrows it.
    check_in(page, family)
    holds = page.locator("#scan-results [data-panel-holds]").first
    expect(holds.locator(f'[data-held-item="{small_bike.code}"]')).to_be_visible()
    scan(page, small_bike.code)
    line = basket_line(page, 0)
    expect(line).to_have_attribute("data-kind", "loan")
    line.locator('[data-field="condition"]').fill("goed")
    line.locator('[data-field="condition"]').press("Tab")
    line.locator('[data-field="payment"]').select_option("cash")
    expect(confirm_button(page)).to_be_enabled()
    confirm_button(page).click()
    expect(
        page.locator("#scan-results [data-scan-outcome=confirmed] [data-lent] li")
    ).to_have_count(1)
    loan = Loan.objects.get(item=small_bike, returned_at__isnull=True)
    assert loan.household == family
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.COLLECTED and reservation.loan == loan
    assert page.console_errors == []


def test_the_public_catalogue_shows_what_is_available_without_logging_in(
    browser, live_server, point, family, bike_type, small_bike, fietsbib
):
    from django.core.cache import cache

    from tests.voorraad.factories import ItemFactory

    cache.clear()  # ids, and so the page's cache stamp, repeat between tests
    bike_type.description = "Een kinderfiets die meegroeit, met slot en helm."
    bike_type.save()
    ItemFactory(item_type=bike_type, name='Cortina 20"', size='20"', location=point)
    LoanFactory(item=small_bike, household=family, program=fietsbib, location=point)
    Item.objects.filter(pk=small_bike.pk).update(status=Item.Status.ON_LOAN)
    OpeningHoursFactory(location=point)
    context = browser.new_context(locale="nl-BE", viewport={"width": 768, "height": 1024})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    response = page.goto(live_server.url + "/catalogus/")

    assert response is not None and response.status == 200
    assert "public" in response.headers["cache-control"]
    expect(page.get_by_role("heading", name="Wat je kunt lenen")).to_be_visible()
    expect(page.locator('[data-size="20\\""]')).to_contain_text("1 beschikbaar")
    expect(page.locator('[data-size="16\\""]')).to_contain_text("uitgeleend")
    expect(page.locator("[data-access]")).to_contain_text("UiTPAS")
    expect(page.locator("[data-opening-hours]")).to_be_visible()
    assert family.code not in page.content()
    assert context.cookies() == []
    screenshot(page, "catalogue-tablet")
    assert errors == []
    context.close()
