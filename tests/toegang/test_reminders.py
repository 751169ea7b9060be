"""Reminder e-mails about referrals that end soon: one per issuer, once per referral,
never for revoked or renewed referrals, and only household codes and end dates. Each
issuer's referrals are claimed (token and lease), mailed outside any transaction, then
marked; a failed mail releases the claim."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from kern.models import User
from kern.roles import Role, sync_role_groups
from tests.factories import OrganisationFactory, UserFactory
from tests.toegang.factories import (
    HouseholdFactory,
    ProgramFactory,
    ReferralFactory,
    social_workers_with_referrals_ending,
)
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from toegang import reminders
from toegang.models import Referral
from toegang.reminders import run_referral_reminders, send_referral_reminders
from toegang.services.referrals import mark_referral_used

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def pamperbank(db):
    return ProgramFactory(name="Pamperbank", kind="pamperbank", quota_packs_per_child=8)


@pytest.fixture
def other_worker(db):
    return UserFactory(
        username="jonas", role=Role.SOCIAL_WORKER, organisation=OrganisationFactory()
    )


def ending(worker, days: int, program, **extra) -> Referral:
    return ReferralFactory(
        issued_by=worker,
        programs=[program],
        valid_from=TODAY - dt.timedelta(days=60),
        valid_until=TODAY + dt.timedelta(days=days),
        **extra,
    )


def test_one_mail_per_issuer_with_codes_and_dates_only(social_worker, other_worker, pamperbank):
    household = HouseholdFactory(first_name="Amira", consent_at=timezone.now())
    first = ending(social_worker, 3, pamperbank, household=household)
    second = ending(social_worker, 14, pamperbank)
    theirs = ending(other_worker, 0, pamperbank)
    later = ending(social_worker, 15, pamperbank)
    past = ending(social_worker, -1, pamperbank)

    assert send_referral_reminders(days=14, today=TODAY) == 2

    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    mine = by_recipient[social_worker.email]
    assert first.household.code in mine.body and "13/03/2026" in mine.body
    assert second.household.code in mine.body and "24/03/2026" in mine.body
    assert later.household.code not in mine.body and past.household.code not in mine.body
    assert theirs.household.code not in mine.body
    assert "Amira" not in mine.body and "Pamperbank" not in mine.body
    assert first.code not in mine.body
    assert theirs.household.code in by_recipient[other_worker.email].body

    reminded = set(Referral.objects.filter(reminder_sent_at__isnull=False))
    assert reminded == {first, second, theirs}


def test_running_twice_sends_nothing_new(social_worker, pamperbank):
    ending(social_worker, 5, pamperbank)
    assert send_referral_reminders(days=14, today=TODAY) == 1
    assert send_referral_reminders(days=14, today=TODAY) == 0
    assert send_referral_reminders(days=14, today=TODAY + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1

    newcomer = ending(social_worker, 7, pamperbank)
    assert send_referral_reminders(days=14, today=TODAY) == 1
    assert len(mail.outbox) == 2
    assert newcomer.household.code in mail.outbox[1].body


def test_no_reminder_for_revoked_or_renewed_referrals(social_worker, pamperbank):
    ending(social_worker, 5, pamperbank, revoked_at=timezone.now(), revoked_by=social_worker)
    renewed = ending(social_worker, 5, pamperbank)
    ReferralFactory(
        issued_by=social_worker,
        programs=[pamperbank],
        household=renewed.household,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=90),
        renews=renewed,
    )
    assert send_referral_reminders(days=14, today=TODAY) == 0
    assert mail.outbox == []
    assert not Referral.objects.filter(reminder_sent_at__isnull=False).exists()


def test_issuers_without_an_address_are_skipped_and_stay_due(pamperbank):
    worker = UserFactory(
        username="zonder", role=Role.SOCIAL_WORKER, organisation=OrganisationFactory(), email=""
    )
    referral = ending(worker, 5, pamperbank)
    assert send_referral_reminders(days=14, today=TODAY) == 0
    referral.refresh_from_db()
    assert referral.reminder_sent_at is None


def test_a_failing_mail_marks_nothing_and_does_not_stop_the_others(
    social_worker, other_worker, pamperbank, monkeypatch
):
    mine = ending(social_worker, 5, pamperbank)
    theirs = ending(other_worker, 5, pamperbank)
    from toegang import reminders

    real_send = reminders.send_mail

    def flaky(subject, body, sender, recipients, **kwargs):
        if recipients == [social_worker.email]:
            raise OSError("mail server down")
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", flaky)
    assert send_referral_reminders(days=14, today=TODAY) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.reminder_sent_at is None and theirs.reminder_sent_at is not None


def test_the_command(social_worker, pamperbank):
    today = timezone.localdate()
    ReferralFactory(
        issued_by=social_worker,
        programs=[pamperbank],
        valid_from=today - dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=20),
    )
    out = StringIO()
    call_command("send_referral_reminders", stdout=out)
    assert mail.outbox == [] and out.getvalue().startswith("0 ")
    call_command("send_referral_reminders", "--days", "21", stdout=out)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [social_worker.email]


# --- claim, send outside any transaction, mark ----------------------------------------------


def claimed(referral: Referral) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    referral.refresh_from_db()
    return referral.reminder_claim, referral.reminder_claimed_until, referral.reminder_sent_at


@pytest.fixture
def roles_again(transactional_db):
    sync_role_groups(apps)  # the roles' groups are flushed after a transactional test


def worker_with_referrals(*days_left: int) -> tuple[User, list[Referral]]:
    """A social worker and their referrals ending in ``days_left`` days from the real
    today (the transactional tests' runs and counters use the real date)."""
    worker = UserFactory(
        username="sofie",
        role=Role.SOCIAL_WORKER,
        email="sofie@example.org",
        organisation=OrganisationFactory(),
    )
    program = ProgramFactory(kind="pamperbank")
    today = timezone.localdate()
    referrals = [
        ReferralFactory(
            issued_by=worker,
            programs=[program],
            valid_from=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=days),
        )
        for days in days_left
    ]
    return worker, referrals


@pytest.mark.django_db(transaction=True)
def test_the_mail_goes_out_outside_any_transaction_with_the_referrals_claimed(
    roles_again, monkeypatch
):
    _worker, referrals = worker_with_referrals(2, 6)
    today = timezone.localdate()
    real_send = reminders.send_mail
    seen = []

    def checking(subject, body, sender, recipients, **kwargs):
        seen.append(
            (
                transaction.get_connection().in_atomic_block,
                [claimed(referral) for referral in referrals],
            )
        )
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", checking)
    assert send_referral_reminders(days=14, today=today) == 1

    [(in_transaction, states)] = seen
    assert in_transaction is False
    # While sending: claimed by one run, with a lease, not marked yet.
    assert len({token for token, _until, _sent in states}) == 1 and states[0][0]
    assert all(until > timezone.now() and sent is None for _token, until, sent in states)
    # Afterwards: marked, and the claim let go.
    for referral in referrals:
        token, until, sent = claimed(referral)
        assert (token, until) == ("", None) and sent is not None


@pytest.mark.django_db(transaction=True)
def test_a_counter_can_use_a_referral_while_its_reminder_is_being_sent(roles_again, monkeypatch):
    """The reminder run holds no lock while the mail server answers: the counter's write
    (here: marking the referral used, in its own thread and transaction) goes through
    at once instead of waiting on SQLite's write lock or the referral's row lock."""
    _worker, [referral] = worker_with_referrals(3)
    today = timezone.localdate()
    real_send = reminders.send_mail
    took: list[float] = []

    def counter() -> None:
        try:
            started = time.monotonic()
            with transaction.atomic():
                assert mark_referral_used(referral=Referral.objects.get(pk=referral.pk))
            took.append(time.monotonic() - started)
        finally:
            connection.close()

    def while_the_server_talks(subject, body, sender, recipients, **kwargs):
        at_the_counter = threading.Thread(target=counter)
        at_the_counter.start()
        at_the_counter.join(10)
        assert not at_the_counter.is_alive(), "the counter waits on the reminder run"
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", while_the_server_talks)
    assert send_referral_reminders(days=14, today=today) == 1
    assert len(took) == 1 and took[0] < 5
    referral.refresh_from_db()
    assert referral.first_used_at is not None and referral.reminder_sent_at is not None


def test_a_second_run_while_the_first_is_sending_mails_nothing(
    social_worker, pamperbank, monkeypatch
):
    referral = ending(social_worker, 5, pamperbank)
    real_send = reminders.send_mail
    second_run: list[int] = []
    first = threading.Event()

    def sending(subject, body, sender, recipients, **kwargs):
        if not first.is_set():  # the first run's send: the second run starts now
            first.set()
            second_run.append(send_referral_reminders(days=14, today=TODAY))
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", sending)
    assert send_referral_reminders(days=14, today=TODAY) == 1
    assert second_run == [0] and len(mail.outbox) == 1
    assert claimed(referral)[:2] == ("", None)


def test_a_referral_held_by_a_live_lease_is_skipped_and_an_expired_lease_is_sent_again(
    social_worker, other_worker, pamperbank
):
    held = ending(social_worker, 5, pamperbank)
    abandoned = ending(other_worker, 5, pamperbank)
    now = timezone.now()
    Referral.objects.filter(pk=held.pk).update(
        reminder_claim="a" * 32, reminder_claimed_until=now + dt.timedelta(minutes=5)
    )
    # A run stopped between sending and marking: its lease ran out.
    Referral.objects.filter(pk=abandoned.pk).update(
        reminder_claim="b" * 32, reminder_claimed_until=now - dt.timedelta(seconds=1)
    )

    assert run_referral_reminders(days=14, today=TODAY) == reminders.ReferralReminderRun(
        sent=1, failed=0
    )

    assert [message.to for message in mail.outbox] == [[other_worker.email]]
    assert abandoned.household.code in mail.outbox[0].body
    token, until, sent = claimed(abandoned)
    assert (token, until) == ("", None) and sent is not None
    token, until, sent = claimed(held)
    assert token == "a" * 32 and until > now and sent is None

    # Once the other run's lease ran out too, this referral goes out after all.
    Referral.objects.filter(pk=held.pk).update(reminder_claimed_until=now)
    assert send_referral_reminders(days=14, today=TODAY) == 1
    assert mail.outbox[-1].to == [social_worker.email]
    assert claimed(held)[2] is not None


def test_a_failing_send_releases_the_claim_marks_nothing_and_logs_no_address(
    social_worker, pamperbank, monkeypatch, caplog
):
    referrals = [ending(social_worker, days, pamperbank) for days in (2, 9)]

    def refused(subject, body, sender, recipients, **kwargs):
        raise OSError(f"550 mailbox unavailable: {recipients[0]}")

    monkeypatch.setattr(reminders, "send_mail", refused)
    with caplog.at_level(logging.WARNING, logger="toegang.reminders"):
        assert run_referral_reminders(days=14, today=TODAY) == reminders.ReferralReminderRun(
            sent=0, failed=1
        )
    for referral in referrals:
        assert claimed(referral) == ("", None, None)
    assert "OSError" in caplog.text and social_worker.email not in caplog.text

    # Released, not held by a lease: the next run sends it at once.
    monkeypatch.undo()
    assert send_referral_reminders(days=14, today=TODAY) == 1
    assert all(claimed(referral)[2] is not None for referral in referrals)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_with_a_slow_mail_server_mail_each_issuer_once(roles_again, monkeypatch):
    """Real threads whose sends overlap (each mail takes a while): the claims keep each
    issuer to one e-mail, and together the runs send what one run would."""
    program = ProgramFactory(kind="pamperbank")
    today = timezone.localdate()
    workers = social_workers_with_referrals_ending(program, workers=5, in_days=(1, 8))
    real_send = reminders.send_mail

    def slow(subject, body, sender, recipients, **kwargs):
        time.sleep(0.05)
        return real_send(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", slow)
    outcomes = run_together(lambda: run_referral_reminders(days=14, today=today), [(), ()])

    assert errors_of(outcomes) == []
    runs = [run for _kind, run in outcomes]
    assert sum(run.sent for run in runs) == len(workers) and not any(run.failed for run in runs)
    recipients = Counter(message.to[0] for message in mail.outbox)
    assert len(recipients) == len(workers) and set(recipients.values()) == {1}
    assert not Referral.objects.filter(reminder_sent_at__isnull=True).exists()
    assert not Referral.objects.exclude(reminder_claim="").exists()
    assert send_referral_reminders(days=14, today=today) == 0
