"""The nightly ``mark_no_shows`` command: what it marks and that a second run is a no-op."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.vrijwilligers.factories_attendance import make_shift, make_signup, make_volunteer
from vrijwilligers.models import Signup


@pytest.mark.django_db
def test_mark_no_shows_command_marks_an_ended_shift_once_and_says_how_many(point):
    volunteer = make_volunteer(locations=[point])
    ended = make_shift(location=point, starts_at=timezone.now() - dt.timedelta(days=1))
    missed = make_signup(shift=ended, volunteer=volunteer)
    first, second = StringIO(), StringIO()
    call_command("mark_no_shows", stdout=first)
    call_command("mark_no_shows", stdout=second)
    missed.refresh_from_db()
    assert missed.attendance == Signup.Attendance.NO_SHOW
    assert first.getvalue().strip() == "1 no-show(s) marked."
    assert second.getvalue().strip() == "0 no-show(s) marked."
