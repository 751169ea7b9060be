"""Write off the swap shop points that have expired. Safe from cron (daily or more
often) and when two runs overlap: each household is done under its lock, and what was
written off is not due any more."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from uitlening.services import expire_points


class Command(BaseCommand):
    help = "Write off expired swap shop points (cron-safe)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO date and time to run as (tests, catching up).")

    def handle(self, *args: object, **options: object) -> None:
        now = timezone.now()
        if options.get("now"):
            try:
                now = dt.datetime.fromisoformat(str(options["now"]))
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO date and time: {options['now']}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        written = expire_points(now=now)
        self.stdout.write(f"{written} puntenboeking(en) voor vervallen punten geschreven.")
