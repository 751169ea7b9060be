"""Mail social workers about their referrals that end soon (run daily, e.g. from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from toegang.reminders import run_referral_reminders


class Command(BaseCommand):
    help = (
        "Send one e-mail per social worker listing the household codes and end dates of "
        "their referrals that end within --days days. Each referral is reminded once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=14, help="Remind this many days ahead (default 14)."
        )

    def handle(self, *args, days: int, **options):
        if days < 0:
            raise CommandError("--days cannot be negative.")
        result = run_referral_reminders(days=days)
        self.stdout.write(f"{result.sent} reminder e-mail(s) sent.")
        if result.failed:
            # Exit status 1, so cron tells the admin; the next run sends them.
            raise CommandError(
                _(
                    "%(failed)d referral reminder e-mail(s) could not be sent; the next run "
                    "tries again."
                )
                % {"failed": result.failed},
                returncode=1,
            )
