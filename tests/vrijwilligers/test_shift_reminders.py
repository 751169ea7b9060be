"""``send_shift_reminders``: volunteers 48 and 24 hours before their shift, coordinators
about under-staffed shifts, other waiting kinds sent as they are; idempotent, a mail server
failure is retried and never marked sent, a reminder that no longer applies is cancelled."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from kern.roles import Role
from tests.factories import UserFactory
from tests.vrijwilligers.factories_people import DutyFactory, PersonFactory, confirm
from vrijwilligers.models import ShiftReminder, Signup
from vrijwilligers.reminders import run as reminders
from vrijwilligers.reminders.finders import due_threshold

pytestmark = pytest.mark.django_db

Status = ShiftReminder.Status
H = dt.timedelta(hours=1)


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0) + dt.timedelta(days=5)


@pytest.fixture
def sara(point):
    return PersonFactory(
        user=UserFactory(username="sara", first_name="Sara", role=Role.VOLUNTEER, locations=[point])
    )


@pytest.fixture
def booked(sara, point, start):
    shift = DutyFactory(location=point, role="Balie", starts_at=start, ends_at=start + 3 * H)
    return confirm(sara, shift, at=start - dt.timedelta(days=7))


def keys() -> list[str]:
    return sorted(ShiftReminder.objects.values_list("key", flat=True))


class MailDown:
    def __call__(self, message):
        raise ConnectionRefusedError("SMTP server at mail.example.org:25 refused")


@pytest.mark.parametrize(
    ("signed_up_hours_before", "now_hours_before", "expected"),
    [
        (24 * 7, 50, None),
        (24 * 7, 47, 48),
        (24 * 7, 23, 24),  # a run missed for a day: only the nearest, not a stale 48
        (30, 29, None),  # confirmed after the 48 h moment: wait for the 24 h one
        (30, 20, 24),
        (10, 9, 24),  # signed up 10 h before: only the 24 h reminder
        (10, -1, None),  # the shift has started
    ],
)
def test_which_threshold_is_due(signed_up_hours_before, now_hours_before, expected, start):
    assert (
        due_threshold(
            starts_at=start,
            confirmed_at=start - signed_up_hours_before * H,
            now=start - now_hours_before * H,
        )
        == expected
    )


def test_a_volunteer_gets_the_48_and_the_24_hour_reminder_once_each(booked, start):
    for hours_before in (60, 47, 46, 23, 22, 1):
        reminders.run(now=start - hours_before * H)
    assert keys() == [f"shift_soon:{booked.pk}:24", f"shift_soon:{booked.pk}:48"]
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == ["sara@example.org"]
    assert "Balie" in message.subject and "Uitdeelpunt Centrum" in message.subject
    assert message.body.startswith("Dag Sara,")
    assert message.subject.startswith("Herinnering: Balie in Uitdeelpunt Centrum")


def test_reminder_hours_are_configurable(settings, booked, start):
    settings.VOLUNTEER_REMINDER_HOURS = (72,)
    reminders.run(now=start - 70 * H)
    assert keys() == [f"shift_soon:{booked.pk}:72"]


def test_the_command_twice_sends_nothing_twice(booked, start, settings):
    settings.VOLUNTEER_REMINDER_HOURS = (24 * 6,)
    call_command("send_shift_reminders", stdout=StringIO())
    call_command("send_shift_reminders", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert ShiftReminder.objects.get().status == Status.SENT


def test_rendered_in_the_recipients_language(booked, start):
    booked.volunteer.user.language = "en"
    booked.volunteer.user.save()
    reminders.run(now=start - 20 * H)
    assert mail.outbox[0].body.startswith("Hello Sara,")
    assert mail.outbox[0].extra_headers["Content-Language"] == "en"


def test_mail_down_is_retried_later_and_never_marked_sent(booked, start):
    summary = reminders.run(now=start - 20 * H, sender=MailDown())
    row = ShiftReminder.objects.get()
    assert (summary.sent, summary.retrying) == (0, 1)
    assert (row.status, row.attempts, row.sent_at) == (Status.PENDING, 1, None)
    assert "<adres>" in row.last_error or "refused" in row.last_error
    assert mail.outbox == []

    reminders.run(now=start - 20 * H + dt.timedelta(minutes=1))  # before the back-off
    assert mail.outbox == []
    reminders.run(now=start - 19 * H)
    row.refresh_from_db()
    assert (row.status, row.attempts, len(mail.outbox)) == (Status.SENT, 2, 1)


def test_the_command_exits_1_when_the_mail_server_fails(booked, start, settings, monkeypatch):
    settings.VOLUNTEER_REMINDER_HOURS = (24 * 6,)
    monkeypatch.setattr(reminders, "send_email", MailDown())
    with pytest.raises(CommandError) as failed:
        call_command("send_shift_reminders", stdout=StringIO())
    assert failed.value.returncode == 1
    assert ShiftReminder.objects.get().status == Status.PENDING


def test_a_reminder_of_a_cancelled_signup_is_cancelled_not_sent(booked, start):
    reminders.run(now=start - 20 * H, sender=MailDown())
    Signup.objects.filter(pk=booked.pk).update(
        status=Signup.Status.CANCELLED, place=None, cancelled_at=timezone.now()
    )
    summary = reminders.run(now=start - 19 * H)
    assert summary.cancelled == 1 and mail.outbox == []
    assert ShiftReminder.objects.get().status == Status.CANCELLED


def test_a_reminder_of_a_cancelled_shift_is_cancelled(booked, start):
    reminders.run(now=start - 20 * H, sender=MailDown())
    shift = booked.shift
    shift.cancelled_at = timezone.now()
    shift.save()
    reminders.run(now=start - 19 * H)
    assert ShiftReminder.objects.get().status == Status.CANCELLED
    assert mail.outbox == []


def test_coordinators_of_the_location_hear_about_an_understaffed_shift(point, other_point, start):
    here = UserFactory(username="karim", role=Role.COORDINATOR, locations=[point])
    UserFactory(username="elders", role=Role.COORDINATOR, locations=[other_point])
    shift = DutyFactory(location=point, starts_at=start - 3 * 24 * H, min_volunteers=2)
    confirm(PersonFactory(), shift)
    now = start - 4 * 24 * H
    reminders.run(now=now)
    reminders.run(now=now + H)
    today = timezone.localdate(now).isoformat()
    assert list(
        ShiftReminder.objects.filter(kind="understaffed").values_list("key", flat=True)
    ) == [f"understaffed:{shift.pk}:{here.pk}:{today}"]
    to_coordinators = [m for m in mail.outbox if m.to != [shift.signups.get().volunteer.user.email]]
    assert [m.to for m in to_coordinators] == [["karim@example.org"]]
    assert "(1 " in to_coordinators[0].body


def test_without_coordinators_at_the_location_every_coordinator_is_told(point, start):
    one = UserFactory(username="karim", role=Role.COORDINATOR)
    two = UserFactory(username="ilse", role=Role.COORDINATOR)
    DutyFactory(location=point, starts_at=start - 3 * 24 * H, min_volunteers=1)
    reminders.run(now=start - 4 * 24 * H)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([one.email, two.email])


def test_an_understaffed_reminder_is_cancelled_once_the_shift_is_staffed(point, start):
    UserFactory(username="karim", role=Role.COORDINATOR)
    shift = DutyFactory(location=point, starts_at=start - 3 * 24 * H, min_volunteers=1)
    now = start - 4 * 24 * H
    reminders.run(now=now, sender=MailDown())
    confirm(PersonFactory(), shift)
    reminders.run(now=now + H)
    assert ShiftReminder.objects.get(kind="understaffed").status == Status.CANCELLED


def test_waiting_rows_of_another_kind_are_sent_with_their_templates(
    booked, start, settings, tmp_path
):
    folder = tmp_path / "vrijwilligers" / "reminders"
    folder.mkdir(parents=True)
    (folder / "swap_taken_subject.txt").write_text("Je dienst {{ role }} is overgenomen")
    (folder / "swap_taken_body.txt").write_text("Dag {{ first_name }},\n\nOvergenomen.\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    ShiftReminder.objects.create(
        recipient=booked.volunteer.user,
        shift=booked.shift,
        kind="swap_taken",
        key=f"swap_taken:{booked.pk}",
    )
    reminders.run(now=start - 100 * H)
    assert [m.subject for m in mail.outbox] == ["Je dienst Balie is overgenomen"]
    assert ShiftReminder.objects.get(kind="swap_taken").status == Status.SENT


def test_a_recipient_without_an_address_is_cancelled(booked, start):
    booked.volunteer.user.email = ""
    booked.volunteer.user.save()
    summary = reminders.run(now=start - 20 * H)
    assert summary.cancelled == 1 and mail.outbox == []
