from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

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

    def handle(self, *args: Any, **options: Any) -> None:
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
