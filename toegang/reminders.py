"""Reminder e-mails to social workers whose referrals end soon.

One e-mail per issuer, listing only household codes and end dates (no programs, no
other data about the family), sent once per referral: ``reminder_sent_at`` is set for
exactly the referrals that were in a sent e-mail. Revoked referrals and referrals that
were renewed already get no reminder. Run it daily (``manage.py
send_referral_reminders``); running it twice sends nothing new.

Each issuer goes claim, send, mark, as in ``kern.outbox``: one conditional UPDATE claims
their due referrals for this run (a random token in ``reminder_claim`` and a lease in
``reminder_claimed_until``), the e-mail is sent outside any transaction (no database lock
is held while the mail server answers), and a second UPDATE marks only the referrals that
still hold the token. Delivery is at least once: a run stopped between sending and
marking leaves a claim whose lease runs out, and a later run sends that e-mail again."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern import outbox
from kern.models import User
from toegang.models import Referral, ReferralQuerySet

logger = logging.getLogger(__name__)


def due_referrals(*, days: int, today: dt.date) -> ReferralQuerySet:
    """Referrals that count today and end by ``today + days`` (inclusive), not renewed,
    not reminded yet, issued by an active person with an e-mail address."""
    return (
        Referral.objects.counting_on(today)
        .filter(
            renewed_by__isnull=True,
            reminder_sent_at__isnull=True,
            valid_until__lte=today + dt.timedelta(days=days),
            issued_by__is_active=True,
        )
        .exclude(issued_by__email="")
    )


def _message(issuer: User, lines: list[tuple[str, dt.date]], days: int) -> tuple[str, str]:
    subject = ngettext(
        "Deelpunt: %(n)d referral ends soon",
        "Deelpunt: %(n)d referrals end soon",
        len(lines),
    ) % {"n": len(lines)}
    listing = "\n".join(
        _("%(household)s  until %(day)s") % {"household": code, "day": f"{until:%d/%m/%Y}"}
        for code, until in lines
    )
    body = "\n\n".join(
        [
            _("Hello %(name)s,") % {"name": issuer.first_name or issuer.get_username()},
            ngettext(
                "A referral you issued ends within %(days)d day:",
                "Referrals you issued end within %(days)d days:",
                days,
            )
            % {"days": days},
            listing,
            _(
                "Does the family still need it? Renew the referral in Deelpunt under "
                "Referrals. If not, you need not do anything: it simply ends."
            ),
            _("You get this reminder once per referral."),
            "Deelpunt",
        ]
    )
    return subject, body


@dataclass
class ReferralReminderRun:
    """What one run did: e-mails sent, and issuers whose e-mail failed (retried by the
    next run: their referrals stay unmarked)."""

    sent: int = 0
    failed: int = 0


def _claim(pks: list[int], token: str) -> int:
    """Take those of ``pks`` that are not reminded and not held by a live lease, for the
    run holding ``token``; return how many this run took.

    One UPDATE whose conditions are on the referral row itself (the ids were chosen
    before): the database lets one UPDATE change a row at a time and PostgreSQL re-checks
    these conditions against a row another run just claimed, so two runs at once never
    both take it. Its own autocommit transaction, so SQLite's write lock is let go at once."""
    now = timezone.now()
    return (
        Referral.objects.filter(pk__in=pks, reminder_sent_at__isnull=True)
        .filter(Q(reminder_claimed_until__isnull=True) | Q(reminder_claimed_until__lte=now))
        .update(reminder_claim=token, reminder_claimed_until=now + outbox.lease())
    )


def _release(token: str) -> None:
    """Let go of this run's claim, so the next run tries these referrals again."""
    Referral.objects.filter(reminder_claim=token).update(
        reminder_claim="", reminder_claimed_until=None
    )


def _mark_sent(pks: list[int], token: str) -> int:
    """Mark the referrals that were in the sent e-mail, only those still holding this
    run's token (none when our lease ran out and another run took them over: it marks)."""
    marked = Referral.objects.filter(pk__in=pks, reminder_claim=token).update(
        reminder_sent_at=timezone.now(), reminder_claim="", reminder_claimed_until=None
    )
    if marked < len(pks):
        logger.warning(
            "Referral reminder: %d of %d referrals sent but taken over by another run",
            len(pks) - marked,
            len(pks),
        )
    return marked


def _remind(issuer: User, pks: list[int], days: int) -> bool | None:
    """Claim, send and mark one issuer's reminder: True when sent, None when there was
    nothing left to send (another run holds or sent it), False when it failed."""
    token = uuid.uuid4().hex
    try:
        if not _claim(pks, token):
            return None
        referrals = list(
            Referral.objects.filter(reminder_claim=token)
            .select_related("household")
            .order_by("valid_until", "household_id", "pk")
        )
        if not referrals:  # taken over in between (only after our lease ran out)
            return None
        lines = list(dict.fromkeys((r.household.code, r.valid_until) for r in referrals))
        with translation.override(issuer.language or settings.LANGUAGE_CODE):
            subject, body = _message(issuer, lines, days)
        # Outside any transaction: the mail server may take up to SEND_TIMEOUT seconds,
        # longer than another writer waits for SQLite's lock; the claim keeps other runs off.
        send_mail(subject, body, None, [issuer.email], connection=outbox.mail_connection())
    except Exception as exc:  # one failing address must not stop the others
        logger.warning(
            "Referral reminder to user %s failed: %s", issuer.pk, outbox.short_error(exc)
        )
        try:
            _release(token)
        except Exception as release_exc:  # the lease runs out; a later run retries
            logger.warning(
                "Referral reminder claim of user %s not released: %s",
                issuer.pk,
                outbox.short_error(release_exc),
            )
        return False
    try:
        _mark_sent([r.pk for r in referrals], token)
    except Exception as exc:
        # The mail went out but is not marked: the lease runs out and a later run sends
        # it again (at least once). Counted as failed, so the admin hears of it.
        logger.warning(
            "Referral reminder to user %s sent but not marked: %s",
            issuer.pk,
            outbox.short_error(exc),
        )
        return False
    return True


def run_referral_reminders(*, days: int, today: dt.date | None = None) -> ReferralReminderRun:
    """Send the reminders that are due, one e-mail per issuer.

    Per issuer: claim their due referrals (one UPDATE, a token and a lease), send the
    e-mail outside any transaction, then mark the referrals that still hold the token.
    Two runs at once never mail an issuer's referrals twice: only one UPDATE takes a
    referral, and a referral held by a live lease is skipped. A refused or failing mail
    server releases the claim and marks nothing, so the next run tries again. At least
    once: a run stopped between sending and marking leaves the claim until its lease
    (``REMINDER_LEASE_MINUTES``) runs out, and the next run after that sends again."""
    today = today or timezone.localdate()
    by_issuer: defaultdict[int, list[int]] = defaultdict(list)
    for pk, issuer_id in due_referrals(days=days, today=today).values_list("pk", "issued_by_id"):
        by_issuer[issuer_id].append(pk)
    result = ReferralReminderRun()
    for issuer in User.objects.filter(pk__in=by_issuer).order_by("pk"):
        outcome = _remind(issuer, sorted(by_issuer[issuer.pk]), days)
        if outcome:
            result.sent += 1
        elif outcome is False:
            result.failed += 1
    return result


def send_referral_reminders(*, days: int, today: dt.date | None = None) -> int:
    """Send the reminders that are due; return the number of e-mails sent."""
    return run_referral_reminders(days=days, today=today).sent
