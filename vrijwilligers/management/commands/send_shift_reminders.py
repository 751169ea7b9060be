"""``manage.py send_shift_reminders``: e-mail volunteers before their shift (48 and 24
hours, ``VOLUNTEER_REMINDER_HOURS``) and coordinators about under-staffed shifts, and send
every other waiting shift reminder (a volunteer promoted from the waitlist).

Safe from cron every few minutes and when two runs overlap: each reminder is recorded
once (unique key) and sent by the one run that claimed it. Exits with status 1 when a
reminder failed to send (it is retried later), so cron mails the admin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vrijwilligers.reminders.run import run


class Command(BaseCommand):
    help = (
        "Record the shift reminders that are due and send the waiting ones; exit status 1 "
        "when a send failed (it is retried later)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=1000,
            help="Send at most this many reminders in this run (default 1000).",
        )

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        summary = run(limit=limit)
        self.stdout.write(
            _(
                "Shift reminders: %(found)d due, %(new)d new, %(sent)d sent, %(failed)d "
                "failed, %(cancelled)d cancelled."
            )
            % {
                "found": summary.found,
                "new": summary.new,
                "sent": summary.sent,
                "failed": summary.failed,
                "cancelled": summary.cancelled,
            }
        )
        if not summary.ok:
            raise CommandError(
                _("%(failed)d shift reminder(s) could not be sent; they are retried later.")
                % {"failed": summary.failed},
                returncode=1,
            )
