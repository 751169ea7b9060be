"""Reminder e-mails about referrals that end soon: one per issuer, once per referral,
never for revoked or renewed referrals, and only household codes and end dates."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kern.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory, ReferralFactory
from toegang.models import Referral
from toegang.reminders import send_referral_reminders

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
