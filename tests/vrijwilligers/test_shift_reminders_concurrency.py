"""Two runs of ``send_shift_reminders`` at once, with real threads against the configured
database (SQLite file in WAL mode, or PostgreSQL with DATABASE_URL): every reminder is
recorded once and sent once, and a run whose mail server fails halfway leaves its
reminders waiting, never marked sent without a mail."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kern.roles import sync_role_groups
from tests.factories import LocationFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from tests.vrijwilligers.factories_people import DutyFactory, PersonFactory, confirm
from vrijwilligers.models import ShiftReminder
from vrijwilligers.reminders import run as reminders

pytestmark = pytest.mark.django_db(transaction=True)

Status = ShiftReminder.Status
VOLUNTEERS = 10
real_send = reminders.send_email


def slow_send(message) -> None:
    """Django's mail, a little slow (like an SMTP server), so two runs overlap."""
    time.sleep(0.01)
    real_send(message)


class BrokenAfterTwo:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, message) -> None:
        self.count += 1
        if self.count > 2:
            raise ConnectionError("SMTP server went away")
        slow_send(message)


@pytest.fixture
def shifts_tomorrow(transactional_db, settings):
    settings.VOLUNTEER_REMINDER_HOURS = (48, 24)
    sync_role_groups(apps)  # the roles' groups are flushed after a transactional test
    point = LocationFactory()
    start = timezone.now() + dt.timedelta(hours=20)
    shift = DutyFactory(
        location=point, starts_at=start, min_volunteers=1, max_volunteers=VOLUNTEERS
    )
    for place in range(1, VOLUNTEERS + 1):
        confirm(PersonFactory(), shift, place=place, at=start - dt.timedelta(days=5))
    return shift


def assert_invariants() -> None:
    ids = Counter(message.extra_headers["Message-ID"] for message in mail.outbox)
    assert all(count == 1 for count in ids.values()), ids
    assert ShiftReminder.objects.filter(status=Status.SENT).count() == len(mail.outbox)
    assert not ShiftReminder.objects.filter(status=Status.SENDING).exists()


def test_two_runs_at_once_send_each_reminder_once(shifts_tomorrow, monkeypatch):
    monkeypatch.setattr(reminders, "send_email", slow_send)
    for _round in range(2):  # the second round finds everything recorded and sent
        outcomes = run_together(
            lambda: call_command("send_shift_reminders", stdout=StringIO()), [(), ()]
        )
        assert errors_of(outcomes) == []
    assert len(mail.outbox) == VOLUNTEERS
    assert ShiftReminder.objects.count() == VOLUNTEERS
    assert set(ShiftReminder.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert_invariants()


def test_a_run_failing_halfway_next_to_a_good_run(shifts_tomorrow):
    outcomes = run_together(
        lambda sender: reminders.run(sender=sender), [(slow_send,), (BrokenAfterTwo(),)]
    )
    assert errors_of(outcomes) == []
    summaries = [summary for _kind, summary in outcomes]
    assert sum(s.new for s in summaries) == VOLUNTEERS
    assert sum(s.sent for s in summaries) == len(mail.outbox)
    waiting = ShiftReminder.objects.filter(status=Status.PENDING)
    assert waiting.count() == sum(s.retrying for s in summaries)
    assert_invariants()

    later = timezone.now() + dt.timedelta(hours=1)
    run_together(lambda: reminders.run(now=later, sender=slow_send), [(), ()])
    assert len(mail.outbox) == VOLUNTEERS
    assert_invariants()
