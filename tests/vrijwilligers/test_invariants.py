"""The shift invariant checks (vrijwilligers.invariants): each finds a violation planted
past the services and the database's guards, names the shift and the volunteer, and is
quiet on a sound database."""

from __future__ import annotations

import pytest

from kern import invariants
from tests.kern.invariant_helpers import drop_index
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers import invariants as checks
from vrijwilligers.models import Shift, Signup

pytestmark = pytest.mark.django_db


def test_every_shift_check_is_registered_and_quiet_on_a_full_shift():
    shift = ShiftFactory(max_volunteers=2)
    SignupFactory(shift=shift)
    SignupFactory(shift=shift)
    SignupFactory(shift=shift, status=Signup.Status.WAITLISTED)
    names = {invariant.name for invariant in invariants.registered()}
    assert {
        "vrijwilligers.shifts_not_over_maximum",
        "vrijwilligers.confirmed_places_within_maximum",
        "vrijwilligers.volunteer_once_per_shift",
    } <= names
    assert invariants.violations() == {}


def test_a_shift_with_more_confirmed_volunteers_than_its_maximum_is_found():
    shift = ShiftFactory(max_volunteers=2, location__name="Uitdeelpunt Melle")
    for _ in range(3):
        SignupFactory(shift=shift)
    problems = checks.shifts_not_over_maximum()
    assert len(problems) == 1
    assert str(shift.pk) in problems[0] and "Uitdeelpunt Melle" in problems[0]
    assert "3" in problems[0] and "2" in problems[0]
    # The third volunteer's place 3 lies outside 1 … 2 as well.
    third = Signup.objects.get(shift=shift, place=3)
    places = checks.confirmed_places_within_maximum()
    assert len(places) == 1 and third.volunteer.code in places[0]


def test_a_lowered_maximum_under_its_sign_ups_is_found():
    shift = ShiftFactory(max_volunteers=3)
    SignupFactory(shift=shift)
    SignupFactory(shift=shift)
    Shift.objects.filter(pk=shift.pk).update(max_volunteers=1, min_volunteers=1)
    assert len(checks.shifts_not_over_maximum()) == 1
    assert len(checks.confirmed_places_within_maximum()) == 1


def test_two_volunteers_on_one_place_are_found():
    drop_index("signup_one_per_place")
    shift = ShiftFactory(max_volunteers=3)
    SignupFactory(shift=shift, place=1)
    SignupFactory(shift=shift, place=1)
    problems = checks.confirmed_places_within_maximum()
    assert len(problems) == 1 and str(shift.pk) in problems[0] and " 1 " in problems[0]


def test_a_volunteer_signed_up_twice_for_one_shift_is_found():
    drop_index("signup_once_per_shift")
    shift = ShiftFactory(max_volunteers=3)
    volunteer = VolunteerFactory()
    SignupFactory(shift=shift, volunteer=volunteer)
    SignupFactory(shift=shift, volunteer=volunteer, status=Signup.Status.WAITLISTED)
    problems = checks.volunteer_once_per_shift()
    assert len(problems) == 1 and volunteer.code in problems[0] and str(shift.pk) in problems[0]
    assert checks.shifts_not_over_maximum() == []
