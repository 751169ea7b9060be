from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kern.demo import load_all


class Command(BaseCommand):
    help = (
        "Load every app's demo data (safe to run again) and print, in Dutch, the demo "
        "accounts and codes to scan."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--quiet-accounts",
            action="store_true",
            help="Print nothing: no accounts, no codes.",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help=(
                "Load even though DEBUG is off (benchmarks and tests on a throwaway "
                "database). Never on a real database: the demo accounts share a known "
                "password."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo accounts (administrator included) share a password printed in the README,
        # so they must never land in a real database. DEBUG is off in every set-up that
        # serves people (production.py forces it; the development settings with DEBUG=0
        # serve the same way), so it decides rather than the settings module's name.
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "load_demo refused: DEBUG is off, so this may be a production database, and "
                "the demo accounts share a known password. Use the development settings "
                "(DEBUG on), or pass --allow-without-debug for a throwaway database."
            )
        sections = load_all()
        if options["quiet_accounts"]:
            return
        self.stdout.write(self.style.SUCCESS("De demogegevens staan klaar."))
        for section in sections:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{section.title}:"))
            width = max((len(line.code) for line in section.lines), default=0)
            for line in section.lines:
                self.stdout.write(f"  {line.code:<{width}}  {line.text}")
