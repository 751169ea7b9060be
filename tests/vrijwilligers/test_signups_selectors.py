"""The sign-up reads the shift screens and the API use, on a volunteer with history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.vrijwilligers.factories import (
    ShiftFactory,
    SignupFactory,
    VolunteerFactory,
    tomorrow_at,
)
from vrijwilligers.models import Signup
from vrijwilligers.selectors.signups import my_active_signups

pytestmark = pytest.mark.django_db


def test_my_active_signups_holds_only_the_shifts_asked_for(point):
    volunteer = VolunteerFactory(locations=[point])
    shown = ShiftFactory(location=point)
    other = ShiftFactory(location=point, starts_at=tomorrow_at(14))
    past = ShiftFactory(location=point, starts_at=tomorrow_at(9) - dt.timedelta(days=30))
    left = ShiftFactory(location=point, starts_at=tomorrow_at(18))
    mine = SignupFactory(shift=shown, volunteer=volunteer)
    SignupFactory(shift=other, volunteer=volunteer)
    SignupFactory(shift=past, volunteer=volunteer)
    SignupFactory(
        shift=left,
        volunteer=volunteer,
        status=Signup.Status.CANCELLED,
        confirmed_at=None,
        place=None,
        cancelled_at=timezone.now(),
    )

    assert my_active_signups(volunteer=volunteer, shifts=[shown, left]) == {shown.pk: mine}
    assert my_active_signups(volunteer=volunteer, shifts=[]) == {}
