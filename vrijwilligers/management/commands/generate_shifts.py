"""``manage.py generate_shifts``: make the shifts of the active templates for the coming
weeks (``VOLUNTEER_SHIFT_WEEKS_AHEAD``) or a chosen period. Safe from cron every night and
when two runs overlap: a template has one shift per day (the templates are locked while a
run writes, and the database refuses a second shift per template and start), so a second
run makes nothing and says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kern.errors import DomainError
from kern.models import Location
from vrijwilligers.services import generate_shifts


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {raw}") from exc


class Command(BaseCommand):
    help = "Make the shifts of the active shift templates for the coming weeks (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="First day, YYYY-MM-DD (default today).")
        parser.add_argument(
            "--until", dest="end", help="Last day, YYYY-MM-DD (default: the coming weeks)."
        )
        parser.add_argument("--weeks", type=int, help="The coming N weeks instead of --until.")
        parser.add_argument("--location", type=int, help="Only this location (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"]) if options["start"] else None
        end = _date(options["end"]) if options["end"] else None
        if options["weeks"] is not None:
            if not 1 <= options["weeks"] <= 52:
                raise CommandError("--weeks must be between 1 and 52.")
            # N weeks are N × 7 days counting the first: from a Saturday, 2 weeks end on
            # the Friday 13 days on (never a third Saturday).
            first = start or timezone.localdate()
            end = first + dt.timedelta(weeks=options["weeks"]) - dt.timedelta(days=1)
        location = None
        if options["location"] is not None:
            location = Location.objects.filter(pk=options["location"]).first()
            if location is None:
                raise CommandError(f"No location with id {options['location']}.")
        try:
            result = generate_shifts(actor=None, start=start, end=end, location=location)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] > 0:
            self.stdout.write(result.message)
