"""Attendance: checking in on time and late, by card or by "I am here", no shift now,
an inactive volunteer, twice; no-shows, the self sign-up pause and lifting it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern.errors import DomainError, NotAllowed, NotFound
from kern.models import AuditEntry
from kern.roles import Role
from tests.factories import UserFactory
from tests.vrijwilligers.factories_attendance import make_shift, make_signup, make_volunteer
from vrijwilligers import services
from vrijwilligers.models import Signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara(point):
    return make_volunteer(username="sara", first_name="Sara", locations=[point])


@pytest.fixture
def shift_now(point):
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    return make_shift(location=point, starts_at=start, hours=3)


def test_check_in_within_the_late_margin_is_attended_with_the_shift_length(
    sara, shift_now, volunteer, point
):
    signup = make_signup(shift=shift_now, volunteer=sara)
    outcome = services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.ATTENDED
    assert signup.checked_in_at is not None
    assert signup.attendance_recorded_by == volunteer
    assert signup.hours == Decimal("3.00")
    assert outcome.message.startswith("Welkom Sara, ingecheckt voor Balie")
    assert AuditEntry.objects.filter(action="check_in", object_id=str(signup.pk)).exists()


def test_check_in_after_the_late_margin_is_late(sara, point, volunteer, settings):
    settings.VOLUNTEER_LATE_AFTER_MINUTES = 10
    shift = make_shift(location=point, starts_at=timezone.now() - dt.timedelta(minutes=11))
    signup = make_signup(shift=shift, volunteer=sara)
    outcome = services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.LATE
    assert outcome.late
    assert "te laat" in outcome.message


def test_check_in_an_hour_early_is_on_time(sara, point, volunteer):
    shift = make_shift(location=point, starts_at=timezone.now() + dt.timedelta(minutes=50))
    signup = make_signup(shift=shift, volunteer=sara)
    services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.ATTENDED


def test_no_shift_now_is_refused_with_the_name_and_the_point(sara, point, volunteer):
    later = make_shift(location=point, starts_at=timezone.now() + dt.timedelta(hours=3))
    make_signup(shift=later, volunteer=sara)
    with pytest.raises(DomainError) as refused:
        services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    assert refused.value.code == "no_shift_now"
    assert "Sara" in refused.value.message and point.name in refused.value.message
    assert not Signup.objects.exclude(attendance="").exists()


def test_a_shift_at_another_point_does_not_check_in_here(sara, point, other_point, volunteer):
    shift = make_shift(location=other_point, starts_at=timezone.now())
    make_signup(shift=shift, volunteer=sara)
    with pytest.raises(DomainError):
        services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)


def test_a_waitlisted_or_cancelled_signup_does_not_check_in(sara, shift_now, point, volunteer):
    Signup.objects.create(
        shift=shift_now, volunteer=sara, status=Signup.Status.WAITLISTED, waitlist_position=5
    )
    with pytest.raises(DomainError):
        services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)


def test_the_card_of_an_inactive_volunteer_is_refused(sara, shift_now, point, volunteer):
    make_signup(shift=shift_now, volunteer=sara)
    sara.is_active = False
    sara.save()
    with pytest.raises(DomainError) as refused:
        services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    assert refused.value.code == "volunteer_inactive"
    assert "Sara" in refused.value.message


def test_checking_in_twice_changes_nothing(sara, shift_now, point, volunteer, coordinator):
    signup = make_signup(shift=shift_now, volunteer=sara)
    first = services.check_in_by_card(actor=volunteer, volunteer_id=sara.pk, location=point)
    second = services.check_in_by_card(actor=coordinator, volunteer_id=sara.pk, location=point)
    signup.refresh_from_db()
    assert not first.already and second.already
    assert signup.attendance_recorded_by == volunteer
    assert signup.checked_in_at == first.signup.checked_in_at
    assert "al ingecheckt" in second.message
    assert AuditEntry.objects.filter(action="check_in").count() == 1


def test_a_social_worker_cannot_check_anyone_in(sara, shift_now, point, social_worker):
    make_signup(shift=shift_now, volunteer=sara)
    with pytest.raises(NotAllowed):
        services.check_in_by_card(actor=social_worker, volunteer_id=sara.pk, location=point)


def test_i_am_here_checks_in_the_volunteer_s_own_signup(sara, shift_now):
    signup = make_signup(shift=shift_now, volunteer=sara)
    services.check_in_self(user=sara.user, signup_id=signup.pk)
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.ATTENDED
    assert signup.attendance_recorded_by == sara.user


def test_i_am_here_for_someone_else_s_signup_is_refused(sara, shift_now, point):
    other = make_volunteer(username="tom", first_name="Tom", locations=[point])
    signup = make_signup(shift=shift_now, volunteer=other)
    with pytest.raises(NotFound):
        services.check_in_self(user=sara.user, signup_id=signup.pk)
    signup.refresh_from_db()
    assert signup.attendance == ""


# --- No-shows and the pause -----------------------------------------------------------


def past_shifts(point, n: int, *, days_ago: int = 2):
    start = timezone.now() - dt.timedelta(days=days_ago)
    return [make_shift(location=point, starts_at=start - dt.timedelta(days=i)) for i in range(n)]


def test_mark_no_shows_marks_ended_shifts_without_check_in_only(sara, point, shift_now):
    ended = past_shifts(point, 1)[0]
    missed = make_signup(shift=ended, volunteer=sara)
    going_on = make_signup(shift=shift_now, volunteer=sara)
    assert services.mark_no_shows() == 1
    assert services.mark_no_shows() == 0  # again: nothing more
    missed.refresh_from_db()
    going_on.refresh_from_db()
    assert missed.attendance == Signup.Attendance.NO_SHOW and missed.hours is None
    assert going_on.attendance == ""


def test_self_sign_up_pauses_at_the_threshold(sara, point, settings):
    settings.VOLUNTEER_NO_SHOW_PAUSE_AFTER = 3
    shifts = past_shifts(point, 3)
    for shift in shifts[:2]:
        make_signup(shift=shift, volunteer=sara)
    services.mark_no_shows()
    sara.refresh_from_db()
    assert sara.signup_paused_at is None  # two: not yet
    make_signup(shift=shifts[2], volunteer=sara)
    services.mark_no_shows()
    sara.refresh_from_db()
    assert sara.signup_paused_at is not None
    assert "3" in sara.signup_paused_reason
    assert AuditEntry.objects.filter(action="pause_signup", object_id=str(sara.pk)).exists()


def test_no_shows_older_than_a_year_do_not_count(sara, point, settings):
    settings.VOLUNTEER_NO_SHOW_PAUSE_AFTER = 2
    old = past_shifts(point, 1, days_ago=400)[0]
    make_signup(shift=old, volunteer=sara)
    make_signup(shift=past_shifts(point, 1)[0], volunteer=sara)
    services.mark_no_shows()
    sara.refresh_from_db()
    assert sara.signup_paused_at is None


def test_a_coordinator_marking_a_no_show_can_pause(sara, point, coordinator, settings):
    settings.VOLUNTEER_NO_SHOW_PAUSE_AFTER = 1
    signup = make_signup(shift=past_shifts(point, 1)[0], volunteer=sara)
    services.record_attendance(
        actor=coordinator, signup_id=signup.pk, attendance="no_show", reason="niet gezien"
    )
    sara.refresh_from_db()
    assert sara.signup_paused_at is not None
    entry = AuditEntry.objects.get(action="record_attendance")
    assert entry.actor == coordinator and entry.details["reason"] == "niet gezien"


def test_lifting_the_pause_needs_a_reason_and_is_audited(sara, coordinator):
    sara.signup_paused_at = timezone.now()
    sara.signup_paused_reason = "3 keer niet gekomen"
    sara.save()
    with pytest.raises(DomainError):
        services.lift_signup_pause(actor=coordinator, volunteer_id=sara.pk, reason="  ")
    services.lift_signup_pause(actor=coordinator, volunteer_id=sara.pk, reason="Gesprek gehad")
    sara.refresh_from_db()
    assert sara.signup_paused_at is None and sara.signup_paused_reason == ""
    entry = AuditEntry.objects.get(action="lift_signup_pause")
    assert entry.actor == coordinator
    assert entry.details["reason"] == "Gesprek gehad"
    assert entry.details["paused_reason"] == "3 keer niet gekomen"


def test_a_volunteer_cannot_lift_their_own_pause(sara):
    sara.signup_paused_at = timezone.now()
    sara.save()
    with pytest.raises(NotAllowed):
        services.lift_signup_pause(actor=sara.user, volunteer_id=sara.pk, reason="ik wil")
    sara.refresh_from_db()
    assert sara.signup_paused_at is not None


def test_a_coordinator_corrects_a_no_show_to_attended_with_hours(sara, point, coordinator):
    signup = make_signup(shift=past_shifts(point, 1)[0], volunteer=sara)
    services.mark_no_shows()
    services.record_attendance(
        actor=coordinator,
        signup_id=signup.pk,
        attendance="attended",
        hours=Decimal("2.5"),
        reason="Was er toch",
    )
    signup.refresh_from_db()
    assert signup.attendance == "attended" and signup.hours == Decimal("2.50")


def test_attendance_of_a_shift_that_has_not_started_is_refused(sara, point, coordinator):
    later = make_shift(location=point, starts_at=timezone.now() + dt.timedelta(days=1))
    signup = make_signup(shift=later, volunteer=sara)
    with pytest.raises(DomainError):
        services.record_attendance(actor=coordinator, signup_id=signup.pk, attendance="no_show")


def test_hours_out_of_range_are_refused(sara, point, coordinator):
    signup = make_signup(shift=past_shifts(point, 1)[0], volunteer=sara)
    with pytest.raises(DomainError):
        services.record_attendance(
            actor=coordinator, signup_id=signup.pk, attendance="attended", hours=Decimal("25")
        )


def test_a_volunteer_cannot_record_attendance(sara, point):
    signup = make_signup(shift=past_shifts(point, 1)[0], volunteer=sara)
    other = UserFactory(username="x", role=Role.VOLUNTEER)
    with pytest.raises(NotAllowed):
        services.record_attendance(actor=other, signup_id=signup.pk, attendance="attended")
