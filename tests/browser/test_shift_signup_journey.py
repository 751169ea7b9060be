"""A volunteer signs up for the last place of a shift, a second lands on the waitlist
(the page says so), the first cancels and the second is promoted and sees it: in
Chromium, at tablet width, with htmx doing the buttons."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kern.roles import sync_role_groups
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, LocationFactory, UserFactory
from tests.vrijwilligers.factories import ShiftFactory, VolunteerFactory
from vrijwilligers.models import ShiftReminder, Signup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}


def log_in(page, username: str) -> None:
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(page.base_url + "/")


def second_page(browser, live_server):
    context = browser.new_context(locale="nl-BE", viewport=TABLET)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    return context, page


def test_sign_up_waitlist_and_promotion(page, browser, live_server):
    sync_role_groups(apps)
    point = LocationFactory(name="Uitdeelpunt Centrum")
    shift = ShiftFactory(location=point, role="Balie", max_volunteers=1)
    sara = VolunteerFactory(locations=[point], user=UserFactory(username="sara", first_name="Sara"))
    tom = VolunteerFactory(locations=[point], user=UserFactory(username="tom", first_name="Tom"))
    page.set_viewport_size(TABLET)

    # Sara takes the only place, from the open shifts (htmx swaps the card).
    log_in(page, "sara")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn diensten"
    ).click()
    page.get_by_role("link", name="Open diensten", exact=True).click()
    card = page.locator(f"#shift-{shift.pk}")
    card.get_by_role("button", name="Inschrijven").click()
    expect(card.locator("[data-status=confirmed]")).to_have_text("Je bent ingeschreven")
    expect(page.locator(f"#shift-{shift.pk}")).to_contain_text("1 van 1 plaats bezet")
    screenshot(page, "shift-signup-confirmed-tablet")

    # Tom finds it full: he joins the waitlist, and the page says so.
    context, tom_page = second_page(browser, live_server)
    try:
        log_in(tom_page, "tom")
        tom_page.goto(live_server.url + "/vrijwilligers/diensten/")
        tom_card = tom_page.locator(f"#shift-{shift.pk}")
        expect(tom_card).to_contain_text("volzet")
        tom_card.get_by_role("button", name="Op de wachtlijst").click()
        expect(tom_card).to_contain_text("je staat op de wachtlijst, nummer 1")
        expect(tom_card.locator("[data-status=waitlisted]")).to_have_text(
            "Je staat op de wachtlijst: nummer 1"
        )
        screenshot(tom_page, "shift-signup-waitlisted-tablet")

        # Sara cancels from her shifts (a plain form post).
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Mijn diensten"
        ).click()
        page.get_by_role("button", name="Mijn inschrijving annuleren").click()
        expect(page.locator(".messages")).to_contain_text("is geannuleerd")

        # Tom moved up: his shifts say he is in, from the waitlist; the mail is queued.
        tom_page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Mijn diensten"
        ).click()
        row = tom_page.locator("#my-shifts li").first
        expect(row).to_have_attribute("data-status", "confirmed")
        expect(row).to_contain_text("doorgeschoven van de wachtlijst")
        screenshot(tom_page, "shift-mine-promoted-tablet")
        tom_page.goto(live_server.url + f"/vrijwilligers/diensten/{shift.pk}/")
        expect(tom_page.locator("#roster")).to_contain_text("Tom")
        screenshot(tom_page, "shift-detail-tablet")
    finally:
        context.close()

    assert Signup.objects.get(shift=shift, status="confirmed").volunteer == tom
    assert ShiftReminder.objects.filter(kind="promoted", recipient=tom.user).count() == 1
    assert not Signup.objects.filter(volunteer=sara, status="confirmed").exists()
    assert not [e for e in page.console_errors if not re.search("favicon", e)]
