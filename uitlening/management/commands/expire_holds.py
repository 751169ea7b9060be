"""``manage.py expire_holds``: end the holds nobody collected in time and offer each item
to the next family on its waitlist. Safe from cron every few minutes and when two runs
overlap (each hold is ended once, under the counters' locks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from uitlening.services import expire_holds


class Command(BaseCommand):
    help = "End the holds past their deadline and offer each item to the next on its waitlist."

    def handle(self, *args: Any, **options: Any) -> None:
        ended = expire_holds()
        if options["verbosity"] > 0:
            self.stdout.write(f"{ended} hold(s) ended.")
