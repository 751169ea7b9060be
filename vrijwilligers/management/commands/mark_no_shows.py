"""``manage.py mark_no_shows``: confirmed sign-ups of shifts that have ended without a
check-in become no-shows, and whoever reaches ``VOLUNTEER_NO_SHOW_PAUSE_AFTER`` has their
self sign-up paused. Meant for a nightly cron (a coordinator can still correct a no-show
the next day); safe to run twice or at the same time: each sign-up is re-checked under
its volunteer's lock."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vrijwilligers.services import mark_no_shows


class Command(BaseCommand):
    help = "Mark confirmed sign-ups of ended shifts without a check-in as no-shows (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        marked = mark_no_shows()
        self.stdout.write(f"{marked} no-show(s) marked.")
