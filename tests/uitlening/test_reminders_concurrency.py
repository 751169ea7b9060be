"""Two runs of ``send_reminders`` at once, with real threads against the configured
database (SQLite file in WAL mode, or PostgreSQL with DATABASE_URL): every reminder is
recorded once and sent once (one mail each in the outbox), and a run whose channel fails
halfway leaves its reminders waiting for a retry, never marked sent without a mail."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.factories import LocationFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory
from tests.uitlening.factories import LoanFactory
from tests.voorraad.factories import ItemFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from uitlening.models import Reminder
from uitlening.reminders import run as reminders
from uitlening.reminders.channels import EmailChannel, Message
from voorraad.models import Item

pytestmark = pytest.mark.django_db(transaction=True)

Status = Reminder.Status
FAMILIES = 12


class SlowEmailChannel(EmailChannel):
    """Django's mail, a little slow (like an SMTP server), so two runs overlap."""

    def send(self, message: Message) -> None:
        time.sleep(0.01)
        super().send(message)


class BrokenAfterTwo(EmailChannel):
    """Sends two messages, then the mail server goes away."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, message: Message) -> None:
        self.count += 1
        if self.count > 2:
            raise ConnectionError("SMTP server went away")
        time.sleep(0.01)
        super().send(message)


@pytest.fixture
def loans_due_tomorrow(transactional_db):
    point = LocationFactory()
    program = ProgramFactory(name="Fietsbib", kind="fietsbib")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    loans = []
    for number in range(FAMILIES):
        household = HouseholdFactory(
            email=f"gezin{number}@example.org", consent_at=timezone.now(), language="fr"
        )
        loans.append(
            LoanFactory(
                household=household,
                location=point,
                program=program,
                item=ItemFactory(name=f"Fiets {number}", status=Item.Status.ON_LOAN),
                due_on=tomorrow,
            )
        )
    return loans


def assert_invariants() -> None:
    """Mails and rows agree: one mail per sent reminder, none for the others, and no row
    is left claimed."""
    ids = Counter(message.extra_headers["Message-ID"] for message in mail.outbox)
    assert all(count == 1 for count in ids.values()), ids
    assert Reminder.objects.filter(status=Status.SENT).count() == len(mail.outbox)
    assert not Reminder.objects.filter(status=Status.SENDING).exists()
    assert not Reminder.objects.filter(status=Status.SENT, sent_at__isnull=True).exists()
    assert not Reminder.objects.exclude(status=Status.SENT).filter(sent_at__isnull=False).exists()
    keys = Reminder.objects.values_list("key", flat=True)
    assert len(keys) == len(set(keys))


def test_two_runs_at_once_send_each_reminder_once(loans_due_tomorrow, settings):
    settings.REMINDER_CHANNELS = {
        "email": "tests.uitlening.test_reminders_concurrency.SlowEmailChannel"
    }
    for _round in range(2):  # the second round finds everything recorded and sent
        outcomes = run_together(
            lambda: call_command("send_reminders", stdout=StringIO()), [(), (), ()]
        )
        assert errors_of(outcomes) == []

    assert len(mail.outbox) == FAMILIES
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"gezin{n}@example.org" for n in range(FAMILIES)
    )
    assert Reminder.objects.count() == FAMILIES
    assert set(Reminder.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert all(m.subject.startswith("Rappel") for m in mail.outbox)
    assert_invariants()


def test_a_run_failing_halfway_next_to_a_good_run(loans_due_tomorrow):
    good, broken = {"email": SlowEmailChannel()}, {"email": BrokenAfterTwo()}

    outcomes = run_together(lambda channels: reminders.run(channels=channels), [(good,), (broken,)])

    assert errors_of(outcomes) == []
    summaries = [summary for _kind, summary in outcomes]
    assert sum(s.sent for s in summaries) == len(mail.outbox)
    assert sum(s.new for s in summaries) == FAMILIES  # each recorded by exactly one run
    waiting = Reminder.objects.filter(status=Status.PENDING)
    assert waiting.count() == sum(s.retrying for s in summaries)
    assert all(r.attempts == 1 and r.last_error for r in waiting)
    assert_invariants()

    # Later the mail server is back: the rest goes out, still once each.
    later = timezone.now() + dt.timedelta(hours=1)
    run_together(lambda: reminders.run(now=later, channels=good), [(), ()])
    assert len(mail.outbox) == FAMILIES
    assert Reminder.objects.filter(status=Status.SENT).count() == FAMILIES
    assert_invariants()
