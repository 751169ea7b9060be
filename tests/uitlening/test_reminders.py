"""``send_reminders``: loans due tomorrow and overdue (then weekly) are recorded once per
key, only for households that consented and left an address (never an anonymised one),
sent in the household's language through the channel, retried with a back-off when
sending fails (never marked sent), given up after the last attempt, taken over when a
run's lease expired, and the command exits non-zero when something failed."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from tests.factories import LocationFactory, OpeningHoursFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory
from tests.uitlening.factories import LoanFactory
from tests.voorraad.factories import ItemFactory
from uitlening.models import Reminder
from uitlening.reminders import run as reminders
from uitlening.reminders.channels import EmailChannel, Message
from uitlening.selectors.reminder_finders import FINDERS
from uitlening.selectors.reminder_kinds import ReminderDue
from uitlening.selectors.reminders import loan_due_tomorrow, loan_overdue, overdue_week
from voorraad.models import Item

pytestmark = pytest.mark.django_db

Status = Reminder.Status


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


TODAY = timezone.localdate()
NOW = at(TODAY)


class FailingChannel(EmailChannel):
    """E-mail addresses, but every send raises (an SMTP server that is down)."""

    calls = 0

    def send(self, message: Message) -> None:
        FailingChannel.calls += 1
        raise ConnectionRefusedError(f"550 mailbox unavailable: {message.to} +32 470 12 34 56")


class FlakyChannel(EmailChannel):
    """Sends through Django's mail, except the 3rd message, which raises."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, message: Message) -> None:
        self.count += 1
        if self.count == 3:
            raise TimeoutError("SMTP timed out")
        super().send(message)


def email_only(channel=None):
    return {"email": channel or EmailChannel()}


@pytest.fixture
def point(db):
    location = LocationFactory(name="Uitdeelpunt Centrum", street="Kerkstraat 1")
    OpeningHoursFactory(location=location, weekday=1, opens=dt.time(9), closes=dt.time(12))
    return location


@pytest.fixture
def babytheek(db):
    return ProgramFactory(name="Babytheek", kind="babytheek")


def family(language="nl", email="gezin@example.org", first_name="", **extra):
    consent = {"consent_at": timezone.now()} if email or first_name else {}
    return HouseholdFactory(
        language=language, email=email, first_name=first_name, **{**consent, **extra}
    )


def lend(household, point, babytheek, *, due_on, name="Bugaboo Fox"):
    return LoanFactory(
        household=household,
        location=point,
        program=babytheek,
        item=ItemFactory(name=name, location=point, status=Item.Status.ON_LOAN),
        due_on=due_on,
    )


def run_at(now, **kwargs):
    kwargs.setdefault("channels", email_only())
    return reminders.run(now=now, **kwargs)


# --- What is found ----------------------------------------------------------------------


def test_the_loan_finders_are_registered():
    assert loan_due_tomorrow in FINDERS and loan_overdue in FINDERS


def test_a_loan_due_tomorrow_is_found_once_per_due_date(point, babytheek):
    tomorrow = TODAY + dt.timedelta(days=1)
    loan = lend(family(), point, babytheek, due_on=tomorrow)
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=2))
    returned = lend(family(), point, babytheek, due_on=tomorrow)
    returned.returned_at = timezone.now()
    returned.save()

    [due] = loan_due_tomorrow(NOW)

    assert due.kind == "loan_due_tomorrow"
    assert due.key == f"loan_due:{loan.pk}:{tomorrow.isoformat()}"
    assert due.household_id == loan.household_id
    assert due.context["item"] == "Bugaboo Fox" and due.context["program"] == "Babytheek"
    assert due.context["location_id"] == point.pk


@pytest.mark.parametrize(
    ("days_late", "week"), [(0, None), (1, 0), (7, 0), (8, 1), (14, 1), (15, 2)]
)
def test_overdue_weeks_start_the_day_after_the_due_date(days_late, week):
    assert overdue_week(TODAY - dt.timedelta(days=days_late), TODAY) == week


def test_each_finder_is_one_query(point, babytheek, django_assert_num_queries):
    for days in (-20, -8, -1, 1, 1):
        lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=days))
    with django_assert_num_queries(1):
        assert len(loan_due_tomorrow(NOW)) == 2
    with django_assert_num_queries(1):
        assert len(loan_overdue(NOW)) == 3


# --- Recording: once per key, only with consent and an address ----------------------------


def test_a_due_reminder_is_recorded_and_sent_once(point, babytheek):
    household = family()
    loan = lend(household, point, babytheek, due_on=TODAY + dt.timedelta(days=1))

    first = run_at(NOW)
    second = run_at(NOW + dt.timedelta(minutes=5))

    assert (first.found, first.new, first.sent, first.failed) == (1, 1, 1, 0)
    assert (second.found, second.new, second.sent, second.failed) == (1, 0, 0, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gezin@example.org"]
    reminder = Reminder.objects.get()
    assert reminder.key == f"loan_due:{loan.pk}:{loan.due_on.isoformat()}"
    assert (reminder.status, reminder.attempts, reminder.channel) == (Status.SENT, 1, "email")
    assert reminder.sent_at is not None and reminder.claimed_until is None
    assert reminder.household == household


def test_overdue_reminders_come_on_the_first_day_and_then_weekly(point, babytheek):
    due_on = TODAY - dt.timedelta(days=1)
    lend(family(), point, babytheek, due_on=due_on)

    sent_on = []
    for day_after_due in range(1, 17):
        day = due_on + dt.timedelta(days=day_after_due)
        if run_at(at(day)).sent:
            sent_on.append(day_after_due)

    assert sent_on == [1, 8, 15]
    assert sorted(Reminder.objects.values_list("key", flat=True)) == [
        key.replace("X", str(Reminder.objects.first().key.split(":")[1]))
        for key in ("loan_overdue:X:0", "loan_overdue:X:1", "loan_overdue:X:2")
    ]


def test_a_renewed_loan_gets_a_reminder_for_its_new_date(point, babytheek):
    loan = lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW)
    loan.due_on = TODAY + dt.timedelta(days=15)
    loan.save()
    assert run_at(at(TODAY + dt.timedelta(days=14))).sent == 1
    assert Reminder.objects.filter(status=Status.SENT).count() == 2


@pytest.mark.parametrize(
    "household_kwargs",
    [
        {"email": ""},  # no address, no consent
        {"email": "", "first_name": "Amina"},  # consent but no address
        {"anonymised_at": timezone.now()},  # anonymised
    ],
    ids=["no-consent", "no-address", "anonymised"],
)
def test_nothing_is_recorded_without_consent_and_an_address(point, babytheek, household_kwargs):
    lend(family(**household_kwargs), point, babytheek, due_on=TODAY + dt.timedelta(days=1))

    summary = run_at(NOW)

    assert (summary.found, summary.new, summary.sent) == (1, 0, 0)
    assert not Reminder.objects.exists() and mail.outbox == []


def test_consent_withdrawn_after_recording_cancels_instead_of_sending(point, babytheek):
    household = family()
    lend(household, point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW, channels=email_only(FailingChannel()))
    household.email, household.consent_at = "", None
    household.save()

    summary = run_at(NOW + dt.timedelta(hours=1))

    assert summary.cancelled == 1 and summary.sent == 0 and mail.outbox == []
    assert Reminder.objects.get().status == Status.CANCELLED


def test_a_finder_that_raises_does_not_stop_the_others(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))

    def broken(now):
        raise RuntimeError("database gone")

    summary = run_at(NOW, finders=[broken, loan_due_tomorrow])

    assert summary.sent == 1 and not summary.ok
    assert summary.finder_errors == ["broken: RuntimeError: database gone"]


def test_duplicate_keys_from_finders_are_recorded_once(point, babytheek):
    household = family()
    due = ReminderDue(household.pk, "loan_due_tomorrow", "same-key", {"item": "x"})
    summary = run_at(NOW, finders=[lambda now: [due], lambda now: [due]])
    assert (summary.found, summary.new) == (1, 1)
    assert Reminder.objects.count() == 1


# --- Sending: failures, retries, giving up, leases ----------------------------------------


def test_a_failed_send_is_retried_later_and_never_marked_sent(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))

    failed = run_at(NOW, channels=email_only(FailingChannel()))

    assert (failed.sent, failed.retrying, failed.given_up) == (0, 1, 0) and not failed.ok
    reminder = Reminder.objects.get()
    assert reminder.status == Status.PENDING and reminder.sent_at is None
    assert reminder.attempts == 1 and reminder.claimed_until is None
    assert reminder.next_attempt_at >= NOW + dt.timedelta(minutes=5)
    # The error says what went wrong without the address or phone number.
    assert "ConnectionRefusedError" in reminder.last_error
    assert "gezin@example.org" not in reminder.last_error
    assert "470" not in reminder.last_error

    too_soon = run_at(NOW + dt.timedelta(minutes=2))
    assert too_soon.sent == 0 and mail.outbox == []

    later = run_at(NOW + dt.timedelta(minutes=6))
    assert later.sent == 1 and len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (Status.SENT, 2, "")


def test_a_retry_is_cancelled_when_what_it_reminds_of_no_longer_applies(point, babytheek):
    loan = lend(family(), point, babytheek, due_on=TODAY - dt.timedelta(days=1))  # overdue
    run_at(NOW, channels=email_only(FailingChannel()))  # mail server down: retried later
    assert Reminder.objects.get().status == Reminder.Status.PENDING
    loan.returned_at = timezone.now()  # the family brings it back the same morning
    loan.save()
    mail.outbox.clear()
    summary = run_at(NOW + dt.timedelta(minutes=6))
    assert mail.outbox == []
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.CANCELLED and reminder.sent_at is None
    assert reminder.last_error == "No longer applies" and summary.cancelled == 1


def test_a_run_whose_finder_failed_still_sends_what_it_recorded_before(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY - dt.timedelta(days=1))
    run_at(NOW, channels=email_only(FailingChannel()))
    mail.outbox.clear()

    def broken(now):
        raise RuntimeError("database hiccup")

    run_at(NOW + dt.timedelta(minutes=6), finders=[broken])
    assert len(mail.outbox) == 1
    assert Reminder.objects.get().status == Reminder.Status.SENT


def test_the_back_off_doubles():
    assert [reminders.retry_delay(n).total_seconds() // 60 for n in (1, 2, 3, 4)] == [
        5,
        10,
        20,
        40,
    ]
    assert reminders.retry_delay(30) == dt.timedelta(hours=6)


def test_it_gives_up_after_the_last_attempt(point, babytheek, settings):
    settings.REMINDER_MAX_ATTEMPTS = 3
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    failing = email_only(FailingChannel())

    outcomes = []
    moment = NOW
    for _attempt in range(5):
        summary = run_at(moment, channels=failing)
        outcomes.append((summary.retrying, summary.given_up))
        moment += dt.timedelta(hours=2)

    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts, reminder.sent_at) == (Status.FAILED, 3, None)
    assert mail.outbox == []


def test_a_crash_between_sending_and_marking_is_sent_again_after_the_lease(point, babytheek):
    household = family()
    lend(household, point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW, limit=0)  # records it, sends nothing
    assert Reminder.objects.get().status == Status.PENDING
    # A run claimed it and died while sending: the row stays "sending" with its lease.
    Reminder.objects.update(
        status=Status.SENDING, claimed_until=NOW + dt.timedelta(minutes=10), attempts=1
    )

    during_lease = run_at(NOW + dt.timedelta(minutes=5))
    after_lease = run_at(NOW + dt.timedelta(minutes=11))

    assert during_lease.sent == 0
    assert after_lease.sent == 1 and len(mail.outbox) == 1
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts) == (Status.SENT, 2)


def test_a_stopped_run_on_the_last_attempt_gives_up(point, babytheek, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW, limit=0)
    Reminder.objects.update(
        status=Status.SENDING, claimed_until=NOW + dt.timedelta(minutes=10), attempts=2
    )
    assert run_at(NOW + dt.timedelta(minutes=11)).sent == 0
    reminder = Reminder.objects.get()
    assert reminder.status == Status.FAILED and "lease" in reminder.last_error
    assert mail.outbox == []


def test_a_claim_changes_the_row_for_one_run_only(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW, limit=0)
    pk = Reminder.objects.get().pk
    clock = reminders.Clock.starting_at(NOW + dt.timedelta(minutes=1))

    assert reminders.claim(pk, token="a" * 32, clock=clock) is True
    assert reminders.claim(pk, token="b" * 32, clock=clock) is False
    assert Reminder.objects.get().claim == "a" * 32


def test_a_run_started_while_another_is_sending_leaves_that_reminder_alone(point, babytheek):
    for _ in range(3):
        lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    inner = []

    class OverlappingChannel(EmailChannel):
        """While the first run sends its first reminder, a second run starts and ends."""

        def send(self, message: Message) -> None:
            if not inner:
                inner.append(reminders.run(now=NOW, channels=email_only()))
            super().send(message)

    outer = run_at(NOW, channels=email_only(OverlappingChannel()))

    assert (inner[0].new, inner[0].sent) == (0, 2)  # the one being sent was skipped
    assert (outer.new, outer.sent) == (3, 1)  # the two sent meanwhile were not taken
    assert len(mail.outbox) == 3
    assert set(Reminder.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_a_channel_failing_on_the_third_of_five_sends_the_other_four(point, babytheek):
    for _ in range(5):
        lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))

    summary = run_at(NOW, channels=email_only(FlakyChannel()))

    assert (summary.sent, summary.retrying) == (4, 1)
    assert len(mail.outbox) == 4
    statuses = sorted(Reminder.objects.values_list("status", flat=True))
    assert statuses == [Status.PENDING] + [Status.SENT] * 4
    sent_to = {m.to[0] for m in mail.outbox}
    assert len(sent_to) == 1  # one address used by all five families in this test
    assert Reminder.objects.filter(status=Status.SENT, sent_at__isnull=True).count() == 0


def test_a_kind_that_cannot_be_rendered_does_not_stop_the_others(point, babytheek):
    loan = lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    broken = ReminderDue(loan.household_id, "no_such_kind", "broken:1", {})

    summary = run_at(NOW, finders=[lambda now: [broken], loan_due_tomorrow])

    assert (summary.sent, summary.retrying) == (1, 1)
    assert Reminder.objects.get(key="broken:1").status == Status.PENDING
    assert "TemplateDoesNotExist" in Reminder.objects.get(key="broken:1").last_error


def test_any_kind_with_its_two_templates_is_sent(point, babytheek, settings, tmp_path):
    folder = tmp_path / "uitlening" / "reminders"
    folder.mkdir(parents=True)
    (folder / "hold_ready_subject.txt").write_text("{{ item }} ligt klaar")
    (folder / "hold_ready_body.txt").write_text("Kom {{ item }} halen tot {{ until|date:'d/m' }}.")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    household = family()
    due = ReminderDue(
        household.pk, "hold_ready", "hold_ready:1:2", {"item": "Fiets & helm", "until": TODAY}
    )

    assert run_at(NOW, finders=[lambda now: [due]]).sent == 1

    [message] = mail.outbox
    assert message.subject == "Fiets & helm ligt klaar"  # plain text: no HTML escaping
    assert f"tot {TODAY:%d/%m}." in message.body


# --- What the message says, and in which language ----------------------------------------


def test_every_reminder_kind_has_both_templates():
    from django.conf import settings as django_settings

    folder = django_settings.BASE_DIR / "templates" / "uitlening" / "reminders"
    subjects = {p.name.removesuffix("_subject.txt") for p in folder.glob("*_subject.txt")}
    bodies = {p.name.removesuffix("_body.txt") for p in folder.glob("*_body.txt")}
    assert subjects == bodies
    assert {"loan_due_tomorrow", "loan_overdue"} <= subjects


def test_the_message_names_item_program_point_and_opening_hours(point, babytheek):
    tomorrow = TODAY + dt.timedelta(days=1)
    household = family(first_name="Amina")
    loan = lend(household, point, babytheek, due_on=tomorrow)

    run_at(NOW)

    [message] = mail.outbox
    assert "Bugaboo Fox" in message.subject
    body = message.body
    assert body.startswith("Dag Amina,")
    assert "Bugaboo Fox" in body and "Babytheek" in body
    assert tomorrow.strftime("%d/%m/%Y") in body
    assert "Uitdeelpunt Centrum" in body and "Dinsdag 09:00–12:00" in body
    assert household.code in body and loan.item.code not in message.subject
    assert message.from_email == "Deelpunt <deelpunt@localhost>"
    assert message.extra_headers["Content-Language"] == "nl"
    assert "&amp;" not in body and "&#x27;" not in body


def test_the_overdue_message_says_how_late_and_what_it_blocks(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY - dt.timedelta(days=8))
    run_at(NOW)
    [message] = mail.outbox
    assert "8 dagen geleden" in message.body
    assert "niets anders lenen van Babytheek" in message.body


@pytest.mark.parametrize(
    ("language", "greeting", "subject"),
    [
        ("fr", "Bonjour,", "Rappel : merci de rapporter Bugaboo Fox demain"),
        ("en", "Hello,", "Reminder: please bring Bugaboo Fox back tomorrow"),
        ("nl", "Hallo,", "Herinnering: breng Bugaboo Fox morgen terug"),
        ("ar", "Hallo,", "Herinnering: breng Bugaboo Fox morgen terug"),  # no documents in it
    ],
)
def test_the_message_is_in_the_households_language(point, babytheek, language, greeting, subject):
    lend(family(language=language), point, babytheek, due_on=TODAY + dt.timedelta(days=1))

    with translation.override("en"):  # the person or cron running it: no influence
        run_at(NOW)
        assert translation.get_language() == "en"

    [message] = mail.outbox
    assert message.subject == subject
    assert message.body.startswith(greeting)


def test_the_french_message_has_french_day_names(point, babytheek):
    lend(family(language="fr"), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW)
    body = mail.outbox[0].body
    assert "mardi 09:00–12:00" in body.lower()
    assert "Heures d'ouverture" in body
    assert "Ménage" in body


def test_the_same_reminder_sent_again_keeps_its_message_id(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW)
    Reminder.objects.update(status=Status.SENDING, sent_at=None, claimed_until=NOW, attempts=1)
    run_at(NOW + dt.timedelta(minutes=1))
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


# --- The command ------------------------------------------------------------------------


def test_the_command_prints_a_summary_and_exits_zero(point, babytheek):
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 gevonden, 1 nieuw, 1 verstuurd, 0 mislukt" in out.getvalue()
    assert len(mail.outbox) == 1


def test_the_command_exits_non_zero_when_a_send_failed(point, babytheek, settings):
    settings.REMINDER_CHANNELS = {"email": "tests.uitlening.test_reminders.FailingChannel"}
    lend(family(), point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("send_reminders", stdout=out)
    assert raised.value.returncode == 1
    assert "1 mislukt" in out.getvalue()
    assert Reminder.objects.get().status == Status.PENDING


# --- The coordinators' page -------------------------------------------------------------


def test_coordinators_see_counts_and_what_was_not_sent_without_contents(
    point, babytheek, login, coordinator, settings
):
    settings.REMINDER_MAX_ATTEMPTS = 1
    household = family(first_name="Amina")
    lend(household, point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    lend(family(), point, babytheek, due_on=TODAY - dt.timedelta(days=3))
    run_at(NOW, channels=email_only(FailingChannel()))
    Reminder.objects.filter(kind="loan_overdue").update(status=Status.PENDING)

    html = login(coordinator).get("/balie/herinneringen/").content.decode()

    assert "Herinneringen" in html
    assert household.code in html and "loan_due_tomorrow" in html
    assert "mislukt, opgegeven" in html and "ConnectionRefusedError" in html
    assert 'data-total="failed">1<' in html and 'data-total="pending">1<' in html
    assert "Amina" not in html and "example.org" not in html and "Bugaboo" not in html
    only_failed = login(coordinator).get("/balie/herinneringen/?status=failed").content.decode()
    assert 'data-status="pending"' not in only_failed.split('id="reminders-not-sent"')[1]


def test_the_reminders_page_is_kept_by_no_cache_and_logs_each_household_listed(
    point, babytheek, login, coordinator
):
    from kern.models import AuditEntry

    household = family()
    lend(household, point, babytheek, due_on=TODAY + dt.timedelta(days=1))
    run_at(NOW, channels=email_only(FailingChannel()))
    response = login(coordinator).get("/balie/herinneringen/")
    assert response["Cache-Control"] == "private, no-store"
    logged = AuditEntry.objects.filter(action="view", object_id=str(household.pk))
    assert logged.count() == 1 and logged.get().details == {"list": "reminders"}


def test_volunteers_do_not_see_the_reminders_page(login, volunteer):
    assert login(volunteer).get("/balie/herinneringen/").status_code == 403


def test_cron_sees_a_non_zero_exit_status_when_the_mail_server_is_down(tmp_path):
    """The real command in its own process, as cron runs it, against an SMTP server that
    refuses connections: exit status 1 and the failure on stderr; the reminder waits."""
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEELPUNT_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cron.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": "9",  # discard: nothing listens there
    }
    manage = [sys.executable, str(django_settings.BASE_DIR / "manage.py")]

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*manage, *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert call("migrate", "-v0").returncode == 0
    setup = call(
        "shell",
        "-c",
        "import datetime as dt\n"
        "from django.utils import timezone\n"
        "from tests.uitlening.factories import LoanFactory\n"
        "from tests.toegang.factories import HouseholdFactory\n"
        "h = HouseholdFactory(email='gezin@example.org', consent_at=timezone.now())\n"
        "LoanFactory(household=h, due_on=timezone.localdate() + dt.timedelta(days=1))\n",
    )
    assert setup.returncode == 0, setup.stderr

    failed = call("send_reminders")

    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert "1 gevonden, 1 nieuw, 0 verstuurd, 1 mislukt" in failed.stdout
    assert "konden niet verstuurd worden" in failed.stderr
    assert "gezin@example.org" not in failed.stdout + failed.stderr


def test_the_email_channel_never_waits_longer_than_its_timeout(settings, monkeypatch):
    from uitlening.reminders import channels

    seen = {}
    real = channels.get_connection

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(channels, "get_connection", spy)
    channels.EmailChannel().send(Message("a@example.org", "s", "b", "k", "nl"))
    assert seen["timeout"] == channels.SEND_TIMEOUT < reminders.lease().total_seconds()
    settings.EMAIL_TIMEOUT = 5
    channels.EmailChannel().send(Message("a@example.org", "s", "b", "k", "nl"))
    assert seen["timeout"] == 5
