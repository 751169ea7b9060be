"""The volunteers' part of the demo: twenty volunteers, shifts for the coming weeks with
some under-staffed, Mieke waiting on a waitlist, and a printed volunteer card that checks in
at the counter (when the demo runs early enough in the day for a shift starting soon)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from kern import scanning
from kern.demo import demo_parts
from kern.models import Location, User
from vrijwilligers.models import ClosingDay, Shift, Signup, Volunteer


@pytest.fixture
def shown(db):
    from io import StringIO

    call_command("load_demo", "--allow-without-debug", stdout=StringIO())
    part = next(p for p in demo_parts() if p.module == "vrijwilligers.demo")
    return {line.code: line.text for section in part.show() for line in section.lines}


def test_demo_has_twenty_volunteers_shifts_understaffed_ones_and_mieke_waiting(shown):
    assert Volunteer.objects.count() == 20
    coming = Shift.objects.filter(starts_at__gte=timezone.now(), cancelled_at__isnull=True)
    assert coming.count() > 20
    understaffed = [
        shift
        for shift in coming
        if shift.signups.filter(status=Signup.Status.CONFIRMED).count() < shift.min_volunteers
    ]
    assert understaffed
    assert Signup.objects.filter(
        status=Signup.Status.WAITLISTED, volunteer__user__username="vrijwilliger"
    ).exists()
    assert "wachtlijst" in shown["vrijwilliger"]


def test_the_printed_volunteer_card_checks_in_at_the_counter(shown):
    cards = [code for code in shown if code.startswith("V")]
    start = timezone.localtime() + dt.timedelta(minutes=30)
    late = (start + dt.timedelta(hours=3)).date() != start.date()
    if late or ClosingDay.objects.filter(day=start.date()).exists():
        # No shift starting soon late in the day or on a holiday: then no card is printed.
        assert not cards
        return
    counter = User.objects.get(username="vrijwilliger")
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    result = scanning.resolve(user=counter, raw=cards[0])
    action = scanning.act(user=counter, location=point, result=result)
    assert action is not None and action.level == "ok"
    assert "ingecheckt" in action.message
