"""``manage.py backup``: a timestamped back-up of the database (kern.backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern import backups


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    amount = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        amount /= 1024
        if amount < 1024 or unit == "GiB":
            break
    return f"{amount:.1f} {unit}"


class Command(BaseCommand):
    help = (
        "Write a timestamped back-up of the database (SQLite: online backup API; "
        "PostgreSQL: pg_dump --format=custom) into BACKUP_DIR, encrypted when "
        "BACKUP_ENCRYPTION_KEY is set; --keep N deletes all but the newest N."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, help="Directory for the back-up (default: BACKUP_DIR)."
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="After the back-up, keep only the newest N back-ups of this database "
            "engine in the directory.",
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new random key for BACKUP_ENCRYPTION_KEY and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(backups.generate_key())
            return
        try:
            made = backups.backup(
                directory=options["dir"],
                key=backups.key_from_environment(),
                keep=options["keep"],
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            (
                _("Encrypted back-up written: %(path)s (%(size)s, %(seconds).1f s)")
                if made.encrypted
                else _("Back-up written: %(path)s (%(size)s, %(seconds).1f s)")
            )
            % {"path": made.path, "size": size_text(made.size), "seconds": made.seconds}
        )
        if made.removed:
            self.stdout.write(
                ngettext(
                    "Removed %(count)d older back-up:",
                    "Removed %(count)d older back-ups:",
                    len(made.removed),
                )
                % {"count": len(made.removed)}
            )
            for path in made.removed:
                self.stdout.write(f"    {path.name}")
