"""Smaller guards: a check-in that loses a race with a cancel says "no shift now"; a
volunteer still checked in for a running shift is checked in for the next one; a pause
reason or payment note over 200 characters is refused, not cut; the API answers a
volunteer about someone else's sign-up as about one that does not exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from kern.errors import DomainError
from kern.models import AuditEntry
from tests.api_client import bearer, post
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from tests.vrijwilligers.factories_attendance import make_shift, make_signup, make_volunteer
from vrijwilligers import services
from vrijwilligers.models import AllowanceCeiling, AllowancePayment, Signup
from vrijwilligers.services import attendance

pytestmark = pytest.mark.django_db

BASE = "/api/v1/vrijwilligers"


@pytest.fixture(autouse=True)
def dutch(settings):
    settings.LANGUAGE_CODE = "nl-be"
    with translation.override("nl-be"):
        yield


@pytest.fixture
def sara(point):
    return make_volunteer(username="sara", first_name="Sara", locations=[point])


def test_a_check_in_racing_a_cancelled_shift_says_no_shift_now(sara, point, volunteer, monkeypatch):
    shift = make_shift(location=point, starts_at=timezone.now() - dt.timedelta(minutes=5))
    signup = make_signup(shift=shift, volunteer=sara)
    locked = attendance._locked_signup

    def cancelled_meanwhile(signup_id):
        # The coordinator's cancel commits between choosing the sign-up and locking it.
        type(shift).objects.filter(pk=shift.pk).update(cancelled_at=timezone.now())
        Signup.objects.filter(pk=signup_id).update(
            status=Signup.Status.CANCELLED, place=None, cancelled_at=timezone.now()
        )
        return locked(signup_id)

    monkeypatch.setattr(attendance, "_locked_signup", cancelled_meanwhile)
    with pytest.raises(DomainError) as info:
        services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    assert info.value.code == "no_shift_now"
    signup.refresh_from_db()  # the refusal rolled back the simulated cancel too
    assert (signup.attendance, signup.checked_in_at) == ("", None)


def test_still_checked_in_for_a_running_shift_checks_in_for_the_next(sara, point, volunteer):
    now = timezone.now().replace(second=0, microsecond=0)
    running = make_signup(
        shift=make_shift(location=point, starts_at=now - dt.timedelta(hours=2, minutes=30)),
        volunteer=sara,
        attendance=Signup.Attendance.ATTENDED,
        checked_in_at=now - dt.timedelta(hours=2, minutes=30),
    )
    next_one = make_signup(
        shift=make_shift(location=point, starts_at=now + dt.timedelta(minutes=30), role="Sorteren"),
        volunteer=sara,
    )
    outcome = services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    assert not outcome.already
    assert outcome.signup.pk == next_one.pk
    next_one.refresh_from_db()
    assert next_one.attendance == Signup.Attendance.ATTENDED
    running.refresh_from_db()
    assert running.checked_in_at is not None


def test_a_pause_reason_over_200_characters_is_refused(sara, coordinator):
    sara.signup_paused_at = timezone.now()
    sara.save()
    with pytest.raises(DomainError) as info:
        services.lift_signup_pause(actor=coordinator, volunteer_id=sara.pk, reason="x" * 201)
    assert info.value.field == "reason" and "200" in info.value.message
    sara.refresh_from_db()
    assert sara.signup_paused_at is not None
    assert not AuditEntry.objects.filter(action="lift_signup_pause").exists()
    services.lift_signup_pause(actor=coordinator, volunteer_id=sara.pk, reason="x" * 200)
    assert AuditEntry.objects.get(action="lift_signup_pause").details["reason"] == "x" * 200


def test_a_payment_note_over_200_characters_is_refused(sara, coordinator):
    AllowanceCeiling.objects.create(
        year=2025, per_day=Decimal("42.31"), per_year=Decimal("1692.51")
    )
    arguments = dict(
        actor=coordinator,
        volunteer_id=sara.pk,
        day=dt.date(2025, 3, 8),
        amount=Decimal("10.00"),
        kind="flat_rate",
    )
    with pytest.raises(DomainError) as info:
        services.record_payment(**arguments, note="n" * 201)
    assert info.value.field == "note" and "200" in info.value.message
    assert not AllowancePayment.objects.exists()
    assert services.record_payment(**arguments, note="n" * 200).note == "n" * 200


def test_the_api_answers_someone_elses_signup_as_a_missing_one(client, point):
    shift = ShiftFactory(location=point)
    sara, tom = VolunteerFactory(locations=[point]), VolunteerFactory(locations=[point])
    theirs = SignupFactory(shift=shift, volunteer=tom)
    other = post(client, f"{BASE}/signups/{theirs.pk}/cancel", {}, bearer(sara.user))
    missing = post(client, f"{BASE}/signups/999999/cancel", {}, bearer(sara.user))
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"]
    assert other.json()["detail"].replace(str(theirs.pk), "N") == missing.json()["detail"].replace(
        "999999", "N"
    )
    assert Signup.objects.get(pk=theirs.pk).status == Signup.Status.CONFIRMED


def test_the_api_lets_a_coordinator_remove_anyone(client, point, coordinator):
    shift = ShiftFactory(location=point)
    theirs = SignupFactory(shift=shift)
    answer = post(
        client, f"{BASE}/signups/{theirs.pk}/cancel", {"reason": "ziek"}, bearer(coordinator)
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled"
