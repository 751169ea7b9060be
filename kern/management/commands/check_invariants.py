"""``manage.py check_invariants``: run every app's invariant checks (kern.invariants)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern import invariants


class Command(BaseCommand):
    help = (
        "Check what must always hold (stock ledger = balances >= 0, one open loan per item, "
        "no shift over its maximum, points ledger = balances >= 0, one distribution per "
        "partner request …); print each violation and exit with status 1 when there is one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checks = invariants.registered()
        failed = 0
        for invariant in checks:
            problems = invariant.check()
            mark = "✘" if problems else "✔"
            self.stdout.write(f"{mark} {invariant.name}: {invariant.description}")
            for problem in problems:
                self.stdout.write(f"    {problem}")
            failed += bool(problems)
        if failed:
            raise CommandError(
                ngettext(
                    "%(failed)d of %(count)d invariants does not hold.",
                    "%(failed)d of %(count)d invariants do not hold.",
                    failed,
                )
                % {"failed": failed, "count": len(checks)}
            )
        self.stdout.write(
            self.style.SUCCESS(_("All %(count)d invariants hold.") % {"count": len(checks)})
        )
