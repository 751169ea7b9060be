"""``manage.py send_reminders``: record the reminders that are due and send the waiting
ones (loans due tomorrow or overdue, and every kind in ``reminder_finders.FINDERS``).

Safe from cron every few minutes and when two runs overlap: each reminder is recorded
once (unique key) and sent by the one run that claimed it. Delivery is at least once: a
run killed between sending and marking leaves the reminder to be sent again after its
lease. Prints a summary; exits with status 1 when a reminder failed to send or a kind
could not be looked up, so cron mails the admin (never failing silently).

Holds past their deadline are ended first (``expire_holds``): the next family on the
waitlist is told in the same run that an item is ready for it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from uitlening.reminders.run import run
from uitlening.services import expire_holds


class Command(BaseCommand):
    help = (
        "Record the reminders that are due and send the waiting ones; exit status 1 when a "
        "send failed (it is retried later, and given up after a number of attempts)."
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
        expire_holds()
        summary = run(limit=limit)
        self.stdout.write(
            _(
                "Reminders: %(found)d found, %(new)d new, %(sent)d sent, %(failed)d failed "
                "(%(retrying)d to retry, %(given_up)d given up), %(cancelled)d cancelled."
            )
            % {
                "found": summary.found,
                "new": summary.new,
                "sent": summary.sent,
                "failed": summary.failed,
                "retrying": summary.retrying,
                "given_up": summary.given_up,
                "cancelled": summary.cancelled,
            }
        )
        for error in summary.finder_errors:
            self.stderr.write(_("Could not look up reminders: %(error)s") % {"error": error})
        if not summary.ok:
            raise CommandError(
                _(
                    "%(failed)d reminder(s) could not be sent and %(errors)d kind(s) could not "
                    "be looked up; see the log and the reminders page."
                )
                % {"failed": summary.failed, "errors": len(summary.finder_errors)},
                returncode=1,
            )
