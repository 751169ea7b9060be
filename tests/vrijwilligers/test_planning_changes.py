"""Changing a template, one-off shifts, cancelling a shift, closing days and messages to
the volunteers of a shift."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from tests.vrijwilligers.factories_planning import (
    PlanningShiftFactory,
    PlanningVolunteerFactory,
    TemplateFactory,
    confirm,
    local,
    waitlist,
)
from vrijwilligers import services
from vrijwilligers.models import (
    ClosingDay,
    Shift,
    ShiftMessage,
    ShiftTemplate,
    Signup,
    SwapRequest,
)

pytestmark = pytest.mark.django_db

NOW = local(dt.date(2030, 1, 1), 7)


def generate_january(actor):
    return services.generate_shifts(
        actor=actor, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 31), now=NOW
    )


def change(actor, template: ShiftTemplate, **overrides):
    fields = {
        "role": template.role,
        "recurrence": template.recurrence,
        "weekday": template.weekday,
        "week_of_month": template.week_of_month,
        "starts_on": template.starts_on,
        "ends_on": template.ends_on,
        "start_time": template.start_time,
        "end_time": template.end_time,
        "min_volunteers": template.min_volunteers,
        "max_volunteers": template.max_volunteers,
        "required_skill": template.required_skill,
        "is_active": template.is_active,
    }
    fields.update(overrides)
    return services.update_template(actor=actor, template=template, now=NOW, **fields)


# --- Changing a template ------------------------------------------------------------------


def test_changing_a_template_moves_the_shifts_nobody_signed_up_for(coordinator, point):
    template = TemplateFactory(location=point)
    generate_january(coordinator)
    signed = Shift.objects.get(starts_at=local(dt.date(2030, 1, 12), 9))
    confirm(signed)

    result = change(coordinator, template, start_time=dt.time(10), end_time=dt.time(13))

    assert (result.replaced, result.kept) == (3, 1)
    starts = sorted(
        timezone.localtime(s).strftime("%d %H:%M")
        for s in Shift.objects.values_list("starts_at", flat=True)
    )
    # The 12th keeps its volunteer at 9:00 and gets no second shift that day.
    assert starts == ["05 10:00", "12 09:00", "19 10:00", "26 10:00"]
    signed.refresh_from_db()
    assert signed.signups.filter(status="confirmed").count() == 1


def test_a_shift_with_only_a_cancelled_sign_up_is_kept_too(coordinator, point):
    template = TemplateFactory(location=point, max_volunteers=4)
    generate_january(coordinator)
    shift = Shift.objects.order_by("starts_at").first()
    signup = confirm(shift)
    Signup.objects.filter(pk=signup.pk).update(status="cancelled", place=None)

    result = change(coordinator, template, max_volunteers=6)

    assert result.kept == 1
    shift.refresh_from_db()
    assert shift.max_volunteers == 4
    assert set(Shift.objects.exclude(pk=shift.pk).values_list("max_volunteers", flat=True)) == {6}


def test_deactivating_a_template_removes_its_empty_future_shifts(coordinator, point):
    template = TemplateFactory(location=point)
    generate_january(coordinator)
    confirm(Shift.objects.order_by("starts_at").last())

    result = change(coordinator, template, is_active=False)

    assert (result.replaced, result.kept) == (0, 1)
    assert Shift.objects.count() == 1
    assert generate_january(coordinator).created == 0


def test_a_bad_change_leaves_template_and_shifts_alone(coordinator, point):
    template = TemplateFactory(location=point)
    generate_january(coordinator)

    with pytest.raises(DomainError, match="Minstens"):
        change(coordinator, template, min_volunteers=9)

    template.refresh_from_db()
    assert template.min_volunteers == 2
    assert Shift.objects.count() == 4


# --- One-off shifts -----------------------------------------------------------------------


def one_off(actor, location, **overrides):
    fields = {
        "role": "Sorteren",
        "day": dt.date(2030, 1, 15),
        "start_time": dt.time(13, 30),
        "end_time": dt.time(16),
        "min_volunteers": 1,
        "max_volunteers": 2,
    }
    fields.update(overrides)
    return services.create_shift(actor=actor, location=location, now=NOW, **fields)


def test_a_one_off_shift_has_no_template(coordinator, point):
    shift = one_off(coordinator, point)

    assert shift.template is None
    assert timezone.localtime(shift.starts_at) == local(dt.date(2030, 1, 15), 13, 30)
    assert AuditEntry.objects.filter(action="create", object_id=str(shift.pk)).exists()


def test_a_one_off_shift_on_a_closing_day_is_refused(coordinator, point):
    ClosingDay.objects.create(location=None, day=dt.date(2030, 1, 15), reason="Feestdag")

    with pytest.raises(DomainError, match="is gesloten op 15/01/2030 \\(Feestdag\\)"):
        one_off(coordinator, point)

    assert not Shift.objects.exists()


def test_a_one_off_shift_in_the_past_is_refused(coordinator, point):
    with pytest.raises(DomainError, match="voorbij"):
        one_off(coordinator, point, day=dt.date(2029, 12, 31))


# --- Cancelling ---------------------------------------------------------------------------


def test_cancelling_a_shift_cancels_its_signups_and_mails_after_commit(
    coordinator, point, django_capture_on_commit_callbacks
):
    shift = PlanningShiftFactory(location=point)
    sara = confirm(shift, PlanningVolunteerFactory(user__first_name="Sara"))
    tom = waitlist(shift, PlanningVolunteerFactory(user__first_name="Tom"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cancelled = services.cancel_shift(
            actor=coordinator, shift=shift, reason="Lekkend dak", now=NOW
        )
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert cancelled == 2
    shift.refresh_from_db()
    assert shift.cancelled_at == NOW and shift.cancel_reason == "Lekkend dak"
    for signup in (sara, tom):
        signup.refresh_from_db()
        assert signup.status == "cancelled"
        assert (signup.place, signup.waitlist_position) == (None, None)
        assert signup.cancelled_by == coordinator
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [sara.volunteer.user.email, tom.volunteer.user.email]
    )
    assert all("Lekkend dak" in m.body for m in mail.outbox)
    assert mail.outbox[0].subject.startswith("Dienst geannuleerd: Balie · ")
    assert AuditEntry.objects.filter(action="cancel", object_id=str(shift.pk)).exists()


def test_cancelling_a_shift_withdraws_the_open_swap_offers_of_its_signups(coordinator, point):
    shift = PlanningShiftFactory(location=point)
    sara = confirm(shift, PlanningVolunteerFactory(user__first_name="Sara"))
    offer = SwapRequest.objects.create(signup=sara)

    services.cancel_shift(actor=coordinator, shift=shift, reason="Lekkend dak", now=NOW)

    offer.refresh_from_db()
    assert (offer.status, offer.closed_at) == ("withdrawn", NOW)


def test_a_closing_day_withdraws_the_open_swap_offers_of_the_shifts_it_cancels(coordinator, point):
    shift = PlanningShiftFactory(location=point, starts_at=local(dt.date(2030, 1, 5), 9))
    offer = SwapRequest.objects.create(signup=confirm(shift))

    services.add_closing_day(
        actor=coordinator, day=dt.date(2030, 1, 5), reason="Storm", location=point, now=NOW
    )

    offer.refresh_from_db()
    assert (offer.status, offer.closed_at) == ("withdrawn", NOW)


def test_a_cancel_mail_that_cannot_be_sent_is_logged(
    coordinator, point, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    shift = PlanningShiftFactory(location=point)
    confirm(shift, PlanningVolunteerFactory(user__first_name="Sara"))

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with (
        caplog.at_level(logging.ERROR, logger="vrijwilligers.services.planning_shifts"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.cancel_shift(actor=coordinator, shift=shift, reason="Storm", now=NOW)

    assert Signup.objects.get(shift=shift).status == "cancelled"  # the cancel itself holds
    [record] = caplog.records
    assert "not sent" in record.getMessage() and str(shift.pk) in record.getMessage()


def test_cancelling_twice_is_refused(coordinator, point):
    shift = PlanningShiftFactory(location=point)
    services.cancel_shift(actor=coordinator, shift=shift, reason="Storm", now=NOW)

    with pytest.raises(Conflict, match="was al geannuleerd \\(Storm\\)"):
        services.cancel_shift(actor=coordinator, shift=shift, reason="Opnieuw", now=NOW)


def test_cancelling_needs_a_reason_and_a_coordinator(coordinator, volunteer, point):
    shift = PlanningShiftFactory(location=point)
    with pytest.raises(DomainError, match="Zeg waarom"):
        services.cancel_shift(actor=coordinator, shift=shift, reason=" ", now=NOW)
    with pytest.raises(NotAllowed):
        services.cancel_shift(actor=volunteer, shift=shift, reason="Storm", now=NOW)
    shift.refresh_from_db()
    assert shift.cancelled_at is None


def test_a_started_shift_cannot_be_cancelled(coordinator, point):
    shift = PlanningShiftFactory(location=point, starts_at=NOW - dt.timedelta(hours=1))

    with pytest.raises(DomainError, match="is al begonnen"):
        services.cancel_shift(actor=coordinator, shift=shift, reason="Storm", now=NOW)


# --- Closing days -------------------------------------------------------------------------


def test_a_new_closing_day_cancels_that_days_shifts_at_that_location(
    coordinator, point, other_point, django_capture_on_commit_callbacks
):
    here = PlanningShiftFactory(location=point, starts_at=local(dt.date(2030, 1, 12), 9))
    there = PlanningShiftFactory(location=other_point, starts_at=local(dt.date(2030, 1, 12), 9))
    confirm(here)

    with django_capture_on_commit_callbacks(execute=True):
        added = services.add_closing_day(
            actor=coordinator, day=dt.date(2030, 1, 12), reason="Verhuis", location=point, now=NOW
        )

    assert added.cancelled_shifts == 1
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.cancel_reason == "Verhuis" and there.cancelled_at is None
    assert len(mail.outbox) == 1


def test_a_holiday_closes_every_location_and_generation_skips_it(coordinator, point, other_point):
    TemplateFactory(location=point)
    TemplateFactory(location=other_point)
    services.add_closing_day(
        actor=coordinator, day=dt.date(2030, 1, 12), reason="Feestdag", now=NOW
    )

    generate_january(coordinator)

    days = {timezone.localtime(s).date() for s in Shift.objects.values_list("starts_at", flat=True)}
    assert dt.date(2030, 1, 12) not in days
    assert Shift.objects.count() == 6


def test_the_same_closing_day_twice_is_refused(coordinator, point):
    services.add_closing_day(actor=coordinator, day=dt.date(2030, 1, 12), reason="Feestdag")

    with pytest.raises(Conflict, match="is al een sluitingsdag voor alle locaties"):
        services.add_closing_day(
            actor=coordinator, day=dt.date(2030, 1, 12), reason="Verhuis", location=point
        )
    assert ClosingDay.objects.count() == 1


def test_removing_a_closing_day_lets_generation_fill_it(coordinator, point):
    TemplateFactory(location=point)
    added = services.add_closing_day(
        actor=coordinator, day=dt.date(2030, 1, 12), reason="Verhuis", location=point
    )
    assert generate_january(coordinator).created == 3

    services.remove_closing_day(actor=coordinator, closing_day=added.closing_day)

    assert generate_january(coordinator).created == 1
    assert AuditEntry.objects.filter(
        action="delete", object_type="vrijwilligers.closingday"
    ).exists()


# --- Messages -----------------------------------------------------------------------------


def test_a_message_reaches_every_confirmed_volunteer_and_is_kept(
    coordinator, point, django_capture_on_commit_callbacks
):
    shift = PlanningShiftFactory(location=point)
    first = confirm(shift)
    second = confirm(shift)
    waitlist(shift)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_shift_message(
            actor=coordinator, shift=shift, subject="Sleutel", body="De sleutel ligt bij Ria."
        )

    assert ShiftMessage.objects.get() == message
    assert message.recipients == 2 and message.sender == coordinator
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.volunteer.user.email, second.volunteer.user.email]
    )
    assert all(len(m.to) == 1 and "De sleutel ligt bij Ria." in m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(action="message", object_id=str(shift.pk)).exists()


def test_a_message_to_a_shift_without_volunteers_is_refused(coordinator, point):
    shift = PlanningShiftFactory(location=point)

    with pytest.raises(DomainError, match="Nog niemand"):
        services.send_shift_message(actor=coordinator, shift=shift, subject="Hallo", body="Test")

    assert not ShiftMessage.objects.exists()
    assert mail.outbox == []


def test_a_message_needs_a_subject_and_a_text(coordinator, point):
    shift = PlanningShiftFactory(location=point)
    confirm(shift)

    with pytest.raises(DomainError) as refused:
        services.send_shift_message(actor=coordinator, shift=shift, subject="", body="Test")
    assert refused.value.field == "subject"
    with pytest.raises(DomainError) as refused:
        services.send_shift_message(actor=coordinator, shift=shift, subject="Hallo", body=" ")
    assert refused.value.field == "body"
