"""Promotion from the waitlist: the volunteer who moves up is told by mail (in their own
language) when ``send_shift_reminders`` runs; a template that fails keeps personal data
out of the stored error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers import services
from vrijwilligers.models import ShiftReminder
from vrijwilligers.reminders import run as reminders

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def shift(point):
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    return ShiftFactory(
        location=point, role="Balie", starts_at=start + dt.timedelta(days=5), max_volunteers=1
    )


def waiting_volunteer(point, *, language: str = ""):
    volunteer = VolunteerFactory(locations=[point])
    volunteer.user.first_name = "Mieke"
    volunteer.user.language = language
    volunteer.user.save()
    return volunteer


def test_a_promoted_volunteer_is_mailed_in_dutch(point, shift):
    taken = SignupFactory(shift=shift)
    mieke = waiting_volunteer(point)
    waiting = services.sign_up(actor=mieke.user, shift=shift)
    services.cancel_signup(actor=taken.volunteer.user, signup=taken)

    summary = reminders.run()

    assert (summary.sent, summary.failed) == (1, 0)
    assert ShiftReminder.objects.get(key=f"promoted:{waiting.pk}").status == "sent"
    [message] = mail.outbox
    assert message.to == [mieke.user.email]
    day = timezone.localtime(shift.starts_at)
    assert message.subject.startswith("Je bent doorgeschoven: Balie op ")
    assert message.subject.endswith(f"{day.day}/{day.month} om 09:00")
    assert message.body.startswith("Hallo Mieke,")
    assert "je bent doorgeschoven van de wachtlijst" in message.body
    assert f"Balie in {point.name}" in message.body
    assert "09:00–12:00" in message.body
    assert message.extra_headers["Content-Language"] == "nl-be"


def test_a_promoted_volunteer_who_reads_english_is_mailed_in_english(point, shift):
    taken = SignupFactory(shift=shift)
    mieke = waiting_volunteer(point, language="en")
    services.sign_up(actor=mieke.user, shift=shift)
    services.cancel_signup(actor=taken.volunteer.user, signup=taken)

    reminders.run()

    [message] = mail.outbox
    assert message.subject.startswith("You moved up: Balie on ")
    assert message.body.startswith("Hello Mieke,")
    assert "you moved up from the waitlist" in message.body


def test_a_template_that_fails_keeps_names_out_of_the_stored_error(
    point, shift, settings, tmp_path
):
    folder = tmp_path / "vrijwilligers" / "reminders"
    folder.mkdir(parents=True)
    (folder / "broken_subject.txt").write_text("{{ first_name|default:nobody.there }}")
    (folder / "broken_body.txt").write_text("Dag {{ first_name }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    mieke = waiting_volunteer(point)
    mieke.user.first_name = ""
    mieke.user.save()
    ShiftReminder.objects.create(recipient=mieke.user, shift=shift, kind="broken", key="broken:1")

    summary = reminders.run()

    row = ShiftReminder.objects.get(key="broken:1")
    assert (summary.retrying, row.status) == (1, "pending")
    assert row.last_error.startswith("RenderError: vrijwilligers/reminders/broken_subject.txt")
    assert point.name not in row.last_error and mieke.user.username not in row.last_error
