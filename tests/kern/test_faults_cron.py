"""Two cron runs of the same command at once, with real threads on the configured
database (the SQLite file in WAL mode, or PostgreSQL with DATABASE_URL): no double sends,
no double work. Each command's runs together do what one run would, and a third run
afterwards finds nothing left.

Covered elsewhere with threads: ``send_reminders`` (tests/uitlening/
test_reminders_concurrency.py), ``send_shift_reminders`` (tests/vrijwilligers/
test_shift_reminders_concurrency.py), ``expire_holds`` (tests/uitlening/
test_holds_concurrency.py), ``expire_points`` (tests/uitlening/test_points_concurrency.py)
and ``expire_imports`` (tests/rapportering/test_faults_imports.py). Here: the rest."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role, sync_role_groups
from tests.factories import LocationFactory, UserFactory
from tests.toegang.factories import (
    HouseholdFactory,
    ProgramFactory,
    social_workers_with_referrals_ending,
)
from tests.voorraad.factories import ProductFactory
from tests.voorraad.helpers import book
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from tests.vrijwilligers.factories_attendance import make_shift, make_signup, make_volunteer
from tests.vrijwilligers.factories_planning import TemplateFactory
from toegang.models import Household, Referral
from vrijwilligers.models import Shift, Signup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)  # the roles' groups are flushed after a transactional test


def command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


def twice_at_once(name: str, *args: str) -> list[str]:
    """Run ``name`` in two threads started together; their output, none failing."""
    outcomes = run_together(lambda: command(name, *args), [(), ()])
    assert errors_of(outcomes) == []
    return [printed for _kind, printed in outcomes]


def first_number(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def test_two_referral_reminder_runs_at_once_mail_each_social_worker_once():
    program = ProgramFactory(name="Pamperbank", kind="pamperbank")
    workers = social_workers_with_referrals_ending(program, workers=6, in_days=(1, 4, 9))

    printed = twice_at_once("send_referral_reminders")

    assert sum(first_number(text) for text in printed) == len(workers)
    recipients = Counter(message.to[0] for message in mail.outbox)
    assert len(recipients) == len(workers) and set(recipients.values()) == {1}
    assert not Referral.objects.filter(reminder_sent_at__isnull=True).exists()
    assert first_number(command("send_referral_reminders")) == 0


def test_two_generate_shifts_runs_at_once_make_each_shift_once():
    point = LocationFactory()
    today = timezone.localdate()
    for weekday in range(5):
        TemplateFactory(location=point, weekday=weekday, starts_on=today)

    twice_at_once("generate_shifts", "--weeks", "4")

    made = Shift.objects.count()
    assert made >= 5 * 3  # four weeks of five weekdays, less holidays
    pairs = Counter(Shift.objects.values_list("template_id", "starts_at"))
    assert set(pairs.values()) == {1}
    command("generate_shifts", "--weeks", "4")
    assert Shift.objects.count() == made


def test_two_mark_no_shows_runs_at_once_mark_and_log_each_signup_once():
    point = LocationFactory()
    volunteers = [make_volunteer(username=f"vrijwilliger{n}", locations=[point]) for n in range(8)]
    for day in (1, 2):
        shift = make_shift(location=point, starts_at=timezone.now() - dt.timedelta(days=day))
        for place, volunteer in enumerate(volunteers, start=1):
            make_signup(shift=shift, volunteer=volunteer, place=place)

    printed = twice_at_once("mark_no_shows")

    assert sum(first_number(text) for text in printed) == 16
    assert Signup.objects.filter(attendance=Signup.Attendance.NO_SHOW).count() == 16
    logged = AuditEntry.objects.filter(action="mark_no_show")
    assert sum(entry.details["marked"] for entry in logged) == 16
    assert Counter(logged.values_list("object_id", flat=True)).most_common(1)[0][1] == 1
    assert first_number(command("mark_no_shows")) == 0


def test_two_anonymise_runs_at_once_anonymise_and_log_each_household_once():
    long_ago = timezone.now() - dt.timedelta(days=3 * 365)
    for n in range(30):
        HouseholdFactory(
            first_name=f"Naam{n}", email=f"gezin{n}@example.org", consent_at=timezone.now()
        )
    Household.objects.update(last_activity_at=long_ago)
    HouseholdFactory(first_name="Recent", consent_at=timezone.now())  # active: stays

    printed = twice_at_once("anonymise_inactive")

    assert sum(first_number(text) for text in printed) == 30
    assert Household.objects.filter(anonymised_at__isnull=False).count() == 30
    logged = Counter(
        AuditEntry.objects.filter(action="anonymise").values_list("object_id", flat=True)
    )
    assert len(logged) == 30 and set(logged.values()) == {1}
    assert Household.objects.filter(first_name="Recent", anonymised_at__isnull=True).exists()
    assert first_number(command("anonymise_inactive")) == 0


def test_two_reconcile_stock_runs_at_once_agree_and_change_nothing():
    actor = UserFactory(username="magazijnier", role=Role.COORDINATOR)
    point = LocationFactory()
    for n in range(5):
        book(actor, point, (ProductFactory(name=f"Product {n}"), 10 + n))
    printed = twice_at_once("reconcile_stock")
    assert printed[0] == printed[1]
    assert "Elk voorraadsaldo" in printed[0]
