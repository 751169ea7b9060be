"""Reminder e-mails to social workers whose referrals end soon.

One e-mail per issuer, listing only household codes and end dates (no programs, no
other data about the family), sent once per referral: ``reminder_sent_at`` is set for
exactly the referrals that were in a sent e-mail. Revoked referrals and referrals that
were renewed already get no reminder. Run it daily (``manage.py
send_referral_reminders``); running it twice sends nothing new."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern.models import User
from kern.outbox import mail_connection
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


def run_referral_reminders(*, days: int, today: dt.date | None = None) -> ReferralReminderRun:
    """Send the reminders that are due, one e-mail per issuer.

    Each issuer's e-mail is sent inside a transaction that holds their due referrals
    (locked on PostgreSQL, the write lock on SQLite) and marks them only after the mail
    server took the mail: two runs at once never mail an issuer twice, and a refused or
    failing mail server leaves the referrals unmarked for the next run. At least once: a
    run killed between sending and committing sends again next time."""
    today = today or timezone.localdate()
    due = due_referrals(days=days, today=today)
    issuer_ids = sorted(set(due.values_list("issued_by_id", flat=True)))
    result = ReferralReminderRun()
    for issuer in User.objects.filter(pk__in=issuer_ids).order_by("pk"):
        try:
            with transaction.atomic():
                # Lock this issuer's due referrals, so two runs at once cannot both mail.
                referrals = list(
                    due.filter(issued_by=issuer)
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("household")
                    .order_by("valid_until", "household_id", "pk")
                )
                if not referrals:
                    continue
                lines = list(dict.fromkeys((r.household.code, r.valid_until) for r in referrals))
                with translation.override(issuer.language or settings.LANGUAGE_CODE):
                    subject, body = _message(issuer, lines, days)
                send_mail(subject, body, None, [issuer.email], connection=mail_connection())
                Referral.objects.filter(
                    pk__in=[r.pk for r in referrals], reminder_sent_at__isnull=True
                ).update(reminder_sent_at=timezone.now())
        except Exception:  # one failing address must not stop the others
            logger.exception("Referral reminder to user %s failed", issuer.pk)
            result.failed += 1
            continue
        result.sent += 1
    return result


def send_referral_reminders(*, days: int, today: dt.date | None = None) -> int:
    """Send the reminders that are due; return the number of e-mails sent."""
    return run_referral_reminders(days=days, today=today).sent
