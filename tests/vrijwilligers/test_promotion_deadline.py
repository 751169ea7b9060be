"""Within the sign-up deadline nobody is promoted from the waitlist automatically (they
could no longer cancel): the freed place stays open for the coordinator and the waiter
keeps their place on the list. Before the deadline, promotion as usual."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers import services
from vrijwilligers.models import ShiftReminder, Signup
from vrijwilligers.selectors.signups import waitlist_rank

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def shift(point):
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    return ShiftFactory(
        location=point, role="Balie", starts_at=start + dt.timedelta(days=5), max_volunteers=1
    )


def waiting_volunteer(point):
    return VolunteerFactory(locations=[point])


def test_within_the_deadline_a_freed_place_stays_open_and_the_waiter_keeps_waiting(
    point, shift, coordinator, settings
):
    settings.VOLUNTEER_SIGNUP_DEADLINE_HOURS = 3
    taken = SignupFactory(shift=shift)
    mieke = waiting_volunteer(point)
    waiting = services.sign_up(actor=mieke.user, shift=shift)
    late = shift.starts_at - 30 * dt.timedelta(minutes=1)

    services.remove_from_shift(actor=coordinator, signup=taken, reason="ziek", now=late)

    waiting.refresh_from_db()
    assert waiting.status == Signup.Status.WAITLISTED
    assert waiting.promoted_at is None
    assert waitlist_rank(waiting) == 1
    assert not ShiftReminder.objects.filter(kind="promoted").exists()
    assert not Signup.objects.filter(shift=shift, status=Signup.Status.CONFIRMED).exists()
    # The coordinator can still give her the place (assigning from the waitlist).
    assigned = services.assign_to_shift(
        actor=coordinator, volunteer=mieke, shift=shift, reason="belde zelf", now=late
    )
    assert (assigned.pk, assigned.status) == (waiting.pk, Signup.Status.CONFIRMED)


def test_just_before_the_deadline_the_waiter_is_still_promoted(point, shift, settings):
    settings.VOLUNTEER_SIGNUP_DEADLINE_HOURS = 3
    taken = SignupFactory(shift=shift)
    mieke = waiting_volunteer(point)
    waiting = services.sign_up(actor=mieke.user, shift=shift)
    in_time = shift.starts_at - 3 * H - dt.timedelta(minutes=1)

    services.cancel_signup(actor=taken.volunteer.user, signup=taken, now=in_time)

    waiting.refresh_from_db()
    assert waiting.status == Signup.Status.CONFIRMED
    assert ShiftReminder.objects.filter(key=f"promoted:{waiting.pk}").exists()
