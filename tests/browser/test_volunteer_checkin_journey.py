"""A volunteer checks in at the counter with their card: the counter tablet is logged in
as whoever runs it; the card (typed at scanner speed, then Enter) says who checks in, and
the page says they are checked in for their shift. A second scan changes nothing; a card
without a shift now is told so. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.browser.test_counter_journeys import open_counter, scan
from tests.factories import UserFactory
from tests.vrijwilligers.factories_attendance import make_shift, make_signup, make_volunteer
from vrijwilligers.models import Signup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


def test_a_volunteer_checks_in_at_the_counter_with_their_card(page, point):
    runner = UserFactory(username="balie", role=Role.VOLUNTEER, locations=[point])
    sara = make_volunteer(username="sara", first_name="Sara", locations=[point])
    tom = make_volunteer(username="tom", first_name="Tom", locations=[point])
    start = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    shift = make_shift(location=point, starts_at=start, hours=3, role="Balie")
    signup = make_signup(shift=shift, volunteer=sara)

    open_counter(page, runner, point)
    scan(page, sara.code)
    card = page.locator("#scan-results [data-scan-outcome=volunteer]").first
    expect(card).to_contain_text("Welkom Sara, ingecheckt voor Balie")
    expect(card).to_contain_text(f"{start:%-H:%M}")
    expect(page.locator("[data-counter-message]")).to_contain_text("ingecheckt")
    expect(page.locator("[data-scan-input]")).to_be_focused()
    screenshot(page, "volunteer-checkin-1-checked-in")
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.ATTENDED
    assert signup.attendance_recorded_by == runner

    scan(page, sara.code)  # again: nothing changes, and the page says so
    expect(page.locator("#scan-results [data-scan-outcome=volunteer]").first).to_contain_text(
        "al ingecheckt"
    )
    scan(page, tom.code)  # no shift now
    error = page.locator("#scan-results [data-scan-outcome=error]").first
    expect(error).to_contain_text("Tom heeft nu geen dienst")
    screenshot(page, "volunteer-checkin-2-no-shift")
    assert not Signup.objects.filter(volunteer=tom).exists()
    assert page.console_errors == []
