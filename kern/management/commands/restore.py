"""``manage.py restore <file> --yes``: replace the database with a back-up
(kern.backups), then check every invariant on what was restored."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern import backups


class Command(BaseCommand):
    help = (
        "Replace everything in the configured database with a back-up made by "
        "manage.py backup (decrypted with BACKUP_ENCRYPTION_KEY when encrypted), then run "
        "check_invariants. Needs --yes: it overwrites the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The back-up file.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Yes, overwrite the configured database with this back-up.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        database = connections["default"].settings_dict["NAME"]
        if not path.is_file():
            raise CommandError(_("There is no back-up file %(file)s.") % {"file": path})
        if not options["yes"]:
            raise CommandError(
                _(
                    "Restoring replaces everything in the database %(database)s with "
                    "%(file)s. Run again with --yes to go ahead; nothing was changed."
                )
                % {"database": database, "file": path.name}
            )
        started = time.monotonic()
        try:
            engine = backups.restore(path=path, key=backups.key_from_environment())
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Restored %(file)s into the %(engine)s database %(database)s (%(seconds).1f s).")
            % {
                "file": path.name,
                "engine": engine,
                "database": database,
                "seconds": time.monotonic() - started,
            }
        )
        executor = MigrationExecutor(connections["default"])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            # The invariants read today's tables: they wait until the schema caught up.
            raise CommandError(
                ngettext(
                    "The back-up is %(count)d migration behind this Deelpunt: run "
                    "manage.py migrate, then manage.py check_invariants.",
                    "The back-up is %(count)d migrations behind this Deelpunt: run "
                    "manage.py migrate, then manage.py check_invariants.",
                    len(pending),
                )
                % {"count": len(pending)}
            )
        call_command("check_invariants", stdout=self.stdout, stderr=self.stderr)
