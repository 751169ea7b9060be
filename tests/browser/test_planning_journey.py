"""In a real browser, the coordinator's planning journey: make a shift template, generate a
month of shifts from it, and find the under-staffed ones highlighted in the week grid —
also at tablet width. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kern.models import Location
from tests.browser.conftest import log_in, screenshot
from tests.vrijwilligers.factories_planning import PlanningVolunteerFactory, confirm
from vrijwilligers.models import Shift, ShiftTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRUM = "Uitdeelpunt Centrum"


def test_coordinator_generates_a_month_and_sees_the_under_staffed_shifts(page, demo):
    today = timezone.localdate()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    log_in(page, "coordinator")

    # A weekly template on Wednesdays, 9:00–12:00, two to three volunteers.
    page.goto(page.base_url + "/vrijwilligers/sjablonen/nieuw/")
    form = page.locator("#template-form")
    form.get_by_label("Locatie").select_option(label=CENTRUM)
    form.get_by_label("Taak").fill("Balie")
    form.get_by_label("Komt terug").select_option("weekly")
    form.get_by_label("Weekdag").select_option("2")
    form.get_by_label("Begint").fill("09:00")
    form.get_by_label("Eindigt").fill("12:00")
    form.get_by_label("Minstens").fill("2")
    form.get_by_label("Hoogstens").fill("3")
    form.get_by_label(re.compile(r"^Van")).fill(today.isoformat())
    form.get_by_role("button", name="Bewaren").click()
    expect(page.locator(".messages")).to_contain_text("Sjabloon bewaard")
    # The demo has its own Centrum templates (Tuesday, Thursday, Saturday): this is the Wednesday one.
    template = ShiftTemplate.objects.get(role="Balie", location__name=CENTRUM, weekday=2)

    # Generate a month of shifts at that location.
    generate = page.locator("#generate-form")
    generate.get_by_label("Locatie").select_option(label=CENTRUM)
    generate.get_by_label("Van").fill(today.isoformat())
    generate.get_by_label("Tot").fill((today + dt.timedelta(days=30)).isoformat())
    generate.get_by_role("button", name="Aanmaken").click()
    expect(page.locator(".messages")).to_contain_text("diensten gemaakt")
    made = Shift.objects.filter(template=template).count()
    assert made in (4, 5)

    # Generating again is harmless and says so.
    page.goto(page.base_url + "/vrijwilligers/planning/genereren/")
    page.locator("#generate-form").get_by_label("Locatie").select_option(label=CENTRUM)
    page.locator("#generate-form").get_by_label("Tot").fill(
        (today + dt.timedelta(days=30)).isoformat()
    )
    page.locator("#generate-form").get_by_role("button", name="Aanmaken").click()
    expect(page.locator(".messages")).to_contain_text("Geen nieuwe diensten")
    assert Shift.objects.filter(template=template).count() == made

    # Next week's Wednesday gets two volunteers; the week after stays empty.
    wednesday = next_monday + dt.timedelta(days=2)
    staffed = Shift.objects.get(template=template, starts_at__date=wednesday)
    confirm(staffed, PlanningVolunteerFactory(user__first_name="Sara", user__last_name="Peeters"))
    confirm(staffed, PlanningVolunteerFactory(user__first_name="Tom", user__last_name="Claes"))
    centrum = Location.objects.get(name=CENTRUM)

    page.goto(page.base_url + f"/vrijwilligers/planning/?locatie={centrum.pk}&week={wednesday}")
    grid = page.locator("#week-grid")
    card = grid.locator(f'[data-shift="{staffed.pk}"]')
    expect(card).to_contain_text("Sara Peeters")
    expect(card).to_contain_text("2 van 2–3")
    expect(card).not_to_have_class("shift-card understaffed")
    screenshot(page, "planning-week-staffed")

    page.get_by_role("link", name="Volgende week →").click()
    empty = Shift.objects.get(template=template, starts_at__date=wednesday + dt.timedelta(weeks=1))
    card = page.locator(f'#week-grid [data-shift="{empty.pk}"]')
    expect(card).to_have_class("shift-card understaffed")
    expect(card).to_contain_text("Onderbezet: nog 2 nodig")
    # Listed too (with whatever the demo's own shifts add to that week).
    understaffed = page.locator("#understaffed")
    expect(understaffed).to_contain_text(
        re.compile(r"\d+ diensten? (is|zijn) onderbezet deze week")
    )
    expect(understaffed).to_contain_text("Balie: 0 ingeschreven, minstens 2 nodig (nog 2)")
    screenshot(page, "planning-week-understaffed")

    # A tablet in landscape and in portrait: every day readable, no sideways scrolling.
    for width, height in ((1024, 768), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        expect(card).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways at {width}px"
        screenshot(page, f"planning-week-tablet-{width}")
    assert page.console_errors == []
