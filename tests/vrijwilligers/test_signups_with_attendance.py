"""A sign-up with attendance recorded (checked in, late, no-show) is not removed or
cancelled: a clear Dutch refusal from the service, the coordinator's screen and the API,
never a 500; the attendance is what a coordinator corrects instead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kern.errors import DomainError
from tests.api_client import bearer, post
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers import services
from vrijwilligers.models import Signup
from vrijwilligers.selectors.signups import shift_label

pytestmark = pytest.mark.django_db

BASE = "/api/v1/vrijwilligers"


@pytest.fixture(autouse=True)
def dutch(settings):
    settings.LANGUAGE_CODE = "nl-be"
    with translation.override("nl-be"):
        yield


@pytest.fixture
def checked_in(point):
    shift = ShiftFactory(location=point, starts_at=timezone.now() - dt.timedelta(hours=1))
    sara = VolunteerFactory(locations=[point], user__first_name="Sara")
    signup = SignupFactory(shift=shift, volunteer=sara)
    Signup.objects.filter(pk=signup.pk).update(
        attendance=Signup.Attendance.ATTENDED, checked_in_at=shift.starts_at
    )
    signup.refresh_from_db()
    return signup


def expected(signup: Signup) -> str:
    return (
        f"Sara is al ingecheckt voor {shift_label(signup.shift)}: pas de aanwezigheid aan in "
        "plaats van de inschrijving te verwijderen."
    )


def unchanged(signup: Signup) -> None:
    fresh = Signup.objects.get(pk=signup.pk)
    assert (fresh.status, fresh.attendance) == ("confirmed", Signup.Attendance.ATTENDED)


def test_removing_a_checked_in_volunteer_is_refused_by_the_service(checked_in, coordinator):
    with pytest.raises(DomainError) as info:
        services.remove_from_shift(actor=coordinator, signup=checked_in, reason="ziek naar huis")
    assert info.value.code == "attendance_recorded"
    assert info.value.message == expected(checked_in)
    unchanged(checked_in)


def test_cancelling_a_checked_in_signup_is_refused_by_the_service(checked_in, coordinator):
    with pytest.raises(DomainError) as info:
        services.cancel_signup(actor=coordinator, signup=checked_in, reason="ziek")
    assert info.value.code == "attendance_recorded"
    unchanged(checked_in)


def test_the_coordinator_screen_shows_the_refusal(login, checked_in, coordinator):
    client = login(coordinator)
    answer = client.post(
        f"/vrijwilligers/diensten/inschrijving/{checked_in.pk}/verwijderen/",
        {"reason": "ziek naar huis"},
        follow=True,
    )
    assert answer.status_code == 200
    assert expected(checked_in) in answer.content.decode()
    unchanged(checked_in)


def test_the_api_answers_400_with_a_code(client, checked_in, coordinator):
    answer = post(
        client, f"{BASE}/signups/{checked_in.pk}/cancel", {"reason": "ziek"}, bearer(coordinator)
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "attendance_recorded"
    assert answer.json()["detail"] == expected(checked_in)
    unchanged(checked_in)


def test_a_no_show_is_not_removed_either(checked_in, coordinator):
    Signup.objects.filter(pk=checked_in.pk).update(
        attendance=Signup.Attendance.NO_SHOW, checked_in_at=None
    )
    with pytest.raises(DomainError) as info:
        services.remove_from_shift(actor=coordinator, signup=checked_in, reason="vergissing")
    assert info.value.code == "attendance_recorded"
    assert "als niet gekomen" in info.value.message
    assert Signup.objects.get(pk=checked_in.pk).status == "confirmed"
