"""One way to find "the volunteer of this user" and one way to name a shift: a user
without a volunteer profile gets the same Dutch refusal (403, ``no_volunteer_profile``)
from every entry point; attendance messages name a shift as sign-ups do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kern.errors import DomainError, NotAllowed
from tests.api_client import bearer, post
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers import services
from vrijwilligers.models import SwapRequest
from vrijwilligers.selectors.signups import shift_label

pytestmark = pytest.mark.django_db

NO_PROFILE = "Je hebt nog geen vrijwilligersprofiel: vraag de coördinator er een aan te maken."


@pytest.fixture(autouse=True)
def dutch(settings):
    settings.LANGUAGE_CODE = "nl-be"
    with translation.override("nl-be"):
        yield


def no_profile(call) -> None:
    with pytest.raises(NotAllowed) as info:
        call()
    assert (info.value.code, info.value.message) == ("no_volunteer_profile", NO_PROFILE)


def test_without_a_profile_every_service_refuses_the_same_way(point, volunteer):
    shift = ShiftFactory(location=point)
    other = SignupFactory(shift=shift)
    swap = SwapRequest.objects.create(signup=other)
    no_profile(lambda: services.sign_up(actor=volunteer, shift=shift))
    no_profile(lambda: services.offer_swap(actor=volunteer, signup=other))
    no_profile(lambda: services.take_swap(actor=volunteer, swap=swap))
    no_profile(lambda: services.attendance.check_in_self(user=volunteer, signup_id=other.pk))
    no_profile(lambda: services.own_volunteer(volunteer))
    no_profile(lambda: services.regenerate_calendar_token(user=volunteer))


def test_without_a_profile_the_api_answers_403_with_the_code(client, point, volunteer):
    shift = ShiftFactory(location=point)
    answer = post(
        client, f"/api/v1/vrijwilligers/shifts/{shift.pk}/signups", None, bearer(volunteer)
    )
    assert answer.status_code == 403
    assert (answer.json()["code"], answer.json()["detail"]) == ("no_volunteer_profile", NO_PROFILE)


def test_without_a_profile_the_shift_screens_still_open(login, point, volunteer):
    client = login(volunteer)
    assert client.get("/vrijwilligers/diensten/").status_code == 200
    assert client.get("/vrijwilligers/diensten/mijn/").status_code == 200


def test_attendance_names_a_shift_as_sign_ups_do(point, coordinator):
    shift = ShiftFactory(location=point, starts_at=timezone.now() + dt.timedelta(days=2))
    signup = SignupFactory(shift=shift, volunteer=VolunteerFactory(locations=[point]))
    with pytest.raises(DomainError) as info:
        services.record_attendance(actor=coordinator, signup_id=signup.pk, attendance="attended")
    assert shift_label(shift) in info.value.message
    assert services.attendance.shift_label is shift_label
