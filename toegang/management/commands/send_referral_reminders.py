"""Mail social workers about their referrals that end soon (run daily, e.g. from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from toegang.reminders import send_referral_reminders


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
        sent = send_referral_reminders(days=days)
        self.stdout.write(f"{sent} reminder e-mail(s) sent.")
