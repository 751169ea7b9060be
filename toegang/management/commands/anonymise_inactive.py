from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import DomainError
from toegang import privacy


class Command(BaseCommand):
    help = (
        "Anonymise households without activity for the retention period (GDPR). Safe to "
        "run again, e.g. nightly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="Retention period in months (default: DEELPUNT_RETENTION_MONTHS, else 24).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count; change nothing.")

    def handle(self, *args, **options):
        months = options["months"]
        if months is None:
            months = privacy.retention_months()
        now = timezone.now()
        try:
            cutoff = privacy.retention_cutoff(months=months, now=now)
            if options["dry_run"]:
                count = privacy.households_due(months=months, now=now).count()
                self.stdout.write(
                    _(
                        "Dry run: %(count)d household(s) without activity since %(day)s would "
                        "be anonymised; nothing was changed."
                    )
                    % {"count": count, "day": f"{cutoff:%d/%m/%Y}"}
                )
                return
            count = privacy.anonymise_inactive(months=months, now=now)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(count)d household(s) without activity since %(day)s anonymised.")
                % {"count": count, "day": f"{cutoff:%d/%m/%Y}"}
            )
        )
