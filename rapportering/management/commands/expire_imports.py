"""Cancel imports left open (and delete their staged personal data): for a daily cron."""

from django.core.management.base import BaseCommand

from rapportering.services import expire_stale_imports


class Command(BaseCommand):
    help = "Cancel spreadsheet imports nobody applied or cancelled within a day."

    def handle(self, *args, **options):
        count = expire_stale_imports()
        self.stdout.write(f"{count} import(s) expired.")
